/**
 * Use-case `system restore`: rebuilds a machine recorded by a point's `system` source on a blank
 * disk.
 *
 *   find the point and its system source → read layout.json → inspect the target disk (a whole
 *   disk with nothing mounted) → plan (partition table, filesystems, mounts, boot loader)
 *   → without `yes`: return the plan, touch nothing
 *   → with `yes`: partition → mkfs (same UUIDs, labels) → mount → restore the files → GRUB
 *   → write the report into the restored system → unmount
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LifeboatError, errorMessage } from '../core/index.js';
import { writeFileAtomic } from '../platform/fs/index.js';
import type { RestoreProgress } from '../engine/restorer/index.js';
import type { Repository } from '../repository/index.js';
import type { PointSourceRecord } from '../rollback/index.js';
import {
  LAYOUT_FILE,
  type SystemLayout,
  type SystemRestorePlan,
  describeRestorePlan,
  inspectTargetDisk,
  installBootLoader,
  makeFilesystems,
  mountTarget,
  parseLayout,
  planSystemRestore,
  writePartitionTable,
} from '../system/index.js';
import { pointFind } from './point.js';
import { restoreSnapshot } from './restore.js';
import { readSnapshotFile } from './snapshot-ref.js';

export interface SystemRestoreRequest {
  point: string;
  /** The system source to restore; needed when the point has several. */
  source?: string;
  /** The disk to overwrite. */
  disk: string;
  /** The recorded disk to restore when the layout has several. */
  fromDisk?: string;
  /** Without it nothing is touched: the plan is returned. */
  yes: boolean;
  signal?: AbortSignal;
  onStep?: (text: string) => void;
  onProgress?: (p: RestoreProgress) => void;
  onError?: (path: string, err: Error) => void;
}

export interface SystemRestoreResult {
  point: string;
  source: string;
  snapshot: string;
  disk: string;
  /** Every destructive step, in order (what the dry run prints). */
  steps: string[];
  /** The sfdisk script written (or to be written). */
  table: string;
  executed: boolean;
  /** What was done, step by step (executed runs). */
  done: string[];
  filesRestored: number;
  bytesRestored: number;
  errors: number;
  warnings: string[];
  /** The report written into the restored system (its path there). */
  report: string | null;
}

/** Where the report lands in the restored system. */
export const SYSTEM_RESTORE_REPORT = '/var/log/lifeboat-system-restore.json';

function pickSource(sources: PointSourceRecord[], name: string | undefined, point: string): PointSourceRecord {
  const systems = sources.filter((s) => s.kind === 'system');
  const found = name ? systems.filter((s) => s.name === name) : systems;
  if (found.length === 1) return found[0]!;
  if (!systems.length) throw new LifeboatError('E_NOT_FOUND', `point ${point} has no system source`, { hint: 'add a `system:` source to the plan file and create a new point (docs/bare-metal.md)' });
  if (name && !found.length)
    throw new LifeboatError('E_NOT_FOUND', `point ${point} has no system source ${name} (it has ${systems.map((s) => s.name).join(', ')})`, { hint: 'pass --source with one of those names' });
  throw new LifeboatError('E_USAGE', `point ${point} has ${systems.length} system sources: ${systems.map((s) => s.name).join(', ')}`, { hint: 'pass --source NAME' });
}

/** Reads the layout a point's system source recorded. */
export async function systemLayout(repo: Repository, pointRef: string, sourceName?: string, signal?: AbortSignal): Promise<{ point: string; source: PointSourceRecord; layout: SystemLayout }> {
  const point = await pointFind(repo, pointRef, signal);
  const source = pickSource(point.manifest.sources, sourceName, point.id);
  if (!source.layout) throw new LifeboatError('E_FORMAT', `system source ${source.name} of point ${point.id} names no layout snapshot`);
  const file = await readSnapshotFile(repo, source.layout, `/${LAYOUT_FILE}`, {}, signal);
  return { point: point.id, source, layout: parseLayout(file.data, `snapshot ${source.layout.slice(0, 8)}`) };
}

export async function systemRestore(repo: Repository, req: SystemRestoreRequest): Promise<SystemRestoreResult> {
  const { point, source, layout } = await systemLayout(repo, req.point, req.source, req.signal);
  const target = await inspectTargetDisk(req.disk);
  const plan: SystemRestorePlan = planSystemRestore(layout, target, req.fromDisk);
  const result: SystemRestoreResult = {
    point,
    source: source.name,
    snapshot: source.snapshot,
    disk: target.path,
    steps: describeRestorePlan(plan),
    table: plan.table,
    executed: false,
    done: [],
    filesRestored: 0,
    bytesRestored: 0,
    errors: 0,
    warnings: plan.warnings,
    report: null,
  };
  if (!req.yes) return result;

  result.executed = true;
  const step = (text: string): void => {
    result.done.push(`${new Date().toISOString()} ${text}`);
    req.onStep?.(text);
  };
  step(`writing the ${plan.sourceDisk.table!.label} partition table of ${plan.sourceDisk.path} to ${target.path}`);
  await writePartitionTable(plan, req.signal);
  await makeFilesystems(plan, step, req.signal);
  const mounted = await mountTarget(plan, req.signal);
  let failure: unknown;
  let unmountFailure: LifeboatError | undefined;
  try {
    for (const m of plan.mounts) step(`mounted ${m.device} at ${m.mountpoint}`);
    step(`restoring the files of snapshot ${source.snapshot.slice(0, 8)}`);
    const restored = await restoreSnapshot(repo, {
      snapshot: source.snapshot,
      path: layout.root === '/' ? undefined : layout.root,
      target: mounted.root,
      signal: req.signal,
      onProgress: req.onProgress,
      onError: req.onError,
    });
    result.filesRestored = restored.filesDone;
    result.bytesRestored = restored.bytesDone;
    result.errors = restored.errors;
    step(
      `restored ${restored.filesDone} files (${restored.bytesDone} bytes), ${restored.dirs} directories, ${restored.others} links and devices${restored.errors ? `, ${restored.errors} errors` : ''}`,
    );
    step(await installBootLoader(plan, mounted.root, req.signal));
    result.report = SYSTEM_RESTORE_REPORT;
    const reportPath = join(mounted.root, SYSTEM_RESTORE_REPORT);
    await mkdir(join(reportPath, '..'), { recursive: true });
    step(`report written to ${SYSTEM_RESTORE_REPORT} in the restored system`);
    await writeFileAtomic(reportPath, `${JSON.stringify({ ...result, layoutHost: layout.host, capturedAt: layout.capturedAt }, null, 2)}\n`);
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    const problems = await mounted.unmount();
    if (problems.length) {
      const message = `could not unmount the restored system: ${problems.join('; ')}`;
      // after a failure, that failure is what the caller sees; the unmount problem is reported beside it
      if (failure === undefined) unmountFailure = new LifeboatError('E_COMMAND_FAILED', message, { hint: 'unmount it by hand (umount -R) before booting it' });
      else req.onError?.(mounted.root, new Error(`${message} (after: ${errorMessage(failure)})`));
    }
  }
  if (unmountFailure) throw unmountFailure;
  step(`unmounted; ${target.path} is ready to boot`);
  return result;
}
