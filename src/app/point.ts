/**
 * Use-cases for restore points (docs/design/restore-points.md):
 *
 *   point create: hooks.before → one snapshot per source (files, command dumps) and one for the
 *   inventory, all tagged with the point → hooks.after → proof (structure, drill, verify
 *   commands) → manifest snapshot, written last
 *
 * plus list, show and release (which unpins the point's snapshots so forget may remove them).
 */
import { randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { type Id, LifeboatError, errorMessage, parseId } from '../core/index.js';
import { runCommand } from '../platform/exec/index.js';
import { type Repository, type SnapshotEntry, loadSnapshots } from '../repository/index.js';
import {
  INVENTORY_SOURCE,
  MANIFEST_FILE,
  MANIFEST_TAG,
  PINNED_TAG,
  POINT_TAG,
  type CommandLine,
  type PlanFile,
  type PointManifest,
  type PointSourceRecord,
  type ProofCheck,
  type ReadinessInventory,
  type ReadinessReport,
  checkStructure,
  commandArgv,
  encodeManifest,
  fileContentStream,
  isFilesSource,
  isSystemSource,
  parseManifest,
  withCurrentSnapshots,
  pointIdOfTags,
  pointTag,
  pointTags,
  restoreDrill,
  sourceTag,
} from '../rollback/index.js';
import type { ArchiveProgress } from '../engine/archiver/index.js';
import { backup } from './backup.js';
import { backupSystemSource } from './system-source.js';
import { inventoryCollect, inventoryStore } from './inventory.js';
import { journalAppend, journalPointCreated } from './journal.js';
import { readinessCheck, readinessInventoryOf } from './ready.js';
import { readSnapshotFile, resolveSnapshotPath } from './snapshot-ref.js';
import { tagSnapshots } from './tag.js';
import { VERSION } from './version.js';
import { type EventHook, gateRedEvent, pointErrorEvent, pointEvent } from './events.js';

export type PointEvent =
  | { type: 'hook'; phase: 'before' | 'after'; command: string }
  | { type: 'source-start'; source: string; kind: 'files' | 'command' | 'inventory' | 'system' }
  | { type: 'source-done'; source: string; snapshot: string; files: number; bytes: number; dataAdded: number; unreadable: number }
  | { type: 'warning'; message: string }
  | { type: 'proof'; check: ProofCheck }
  | { type: 'readiness'; report: ReadinessReport };

export interface PointCreateOptions {
  name?: string;
  note?: string;
  /** Restore and compare every file instead of a sample. */
  fullDrill?: boolean;
  /** Tags besides the point's (a safety point is tagged `safety`). */
  extraTags?: string[];
  signal?: AbortSignal;
  onEvent?: (e: PointEvent) => void;
  /** Progress of the source being backed up. */
  onProgress?: (source: string, p: ArchiveProgress) => void;
  /** Operations events (app/events.ts): point.created, or point.failed (and gate.red). */
  events?: EventHook;
}

const HOOK_TIMEOUT_MS = 30 * 60_000;
const VERIFY_TIMEOUT_MS = 6 * 60 * 60_000;

function describeCommand(c: CommandLine): string {
  return typeof c === 'string' ? c : c.join(' ');
}

async function runHook(c: CommandLine, phase: 'before' | 'after', signal?: AbortSignal): Promise<void> {
  const [cmd, ...args] = commandArgv(c);
  const r = await runCommand(cmd!, args, { timeoutMs: HOOK_TIMEOUT_MS, signal });
  if (r.code !== 0) {
    throw new LifeboatError('E_COMMAND_FAILED', `${phase} hook "${describeCommand(c)}" exited with ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, {
      hint: phase === 'before' ? 'nothing was backed up; fix the hook and run point create again' : 'the point was written; check what the hook should have done',
    });
  }
}

async function newPointId(repo: Repository, signal?: AbortSignal): Promise<string> {
  const taken = new Set((await loadSnapshots(repo, { tags: [[POINT_TAG]] }, { signal })).map((e) => pointIdOfTags(e.snapshot.tags)));
  for (;;) {
    const id = randomBytes(4).toString('hex');
    if (!taken.has(id)) return id;
  }
}

/** Creates a restore point of everything the plan names and proves it; returns its manifest. */
export async function pointCreate(repo: Repository, plan: PlanFile, opts: PointCreateOptions = {}): Promise<PointManifest> {
  if (!opts.events) return createPoint(repo, plan, opts);
  const started = Date.now();
  let manifest: PointManifest;
  let readiness: ReadinessReport | undefined;
  const onEvent = (e: PointEvent): void => {
    if (e.type === 'readiness') readiness = e.report;
    opts.onEvent?.(e);
  };
  try {
    manifest = await createPoint(repo, plan, { ...opts, onEvent });
  } catch (err) {
    opts.events(pointErrorEvent(err, plan.host, Date.now() - started));
    throw err;
  }
  const event = pointEvent(manifest);
  opts.events(event);
  // the migration gate is red when the point failed its proof or the readiness checklist is red
  const redItems = readiness?.red ?? [];
  if (!manifest.proof.ok || redItems.length) {
    const reasons = [
      ...(manifest.proof.ok ? [] : [`restore point ${manifest.id} failed its proof`]),
      ...(redItems.length ? [`${redItems.length} readiness item(s) of ${plan.checklist} are missing, stale or failed`] : []),
    ];
    const failingSteps = [
      ...(event.failingSteps ?? []),
      ...redItems.map((i) => ({ name: `readiness:${i.id}${i.pool ? `:${i.pool}` : ''}`, detail: `${i.status}: ${i.detail}` })),
    ];
    opts.events(gateRedEvent({ point: event.point, host: manifest.host, reason: reasons.join('; '), failingSteps }));
  }
  return manifest;
}

async function createPoint(repo: Repository, plan: PlanFile, opts: PointCreateOptions): Promise<PointManifest> {
  const { signal } = opts;
  const emit = (e: PointEvent): void => opts.onEvent?.(e);
  const started = new Date();
  const host = plan.host ?? osHostname();
  const id = await newPointId(repo, signal);
  const tags = [...pointTags(id), ...(opts.extraTags ?? [])];
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    emit({ type: 'warning', message });
  };

  for (const c of plan.hooks.before) {
    emit({ type: 'hook', phase: 'before', command: describeCommand(c) });
    await runHook(c, 'before', signal);
  }

  const sources: PointSourceRecord[] = [];
  let inventory: PointManifest['inventory'] = null;
  let inventoryForGate: ReadinessInventory | null = null;
  try {
    for (const source of plan.sources) {
      if (isSystemSource(source)) {
        emit({ type: 'source-start', source: source.name, kind: 'system' });
        const record = await backupSystemSource(repo, source, { tags, host, repositoryPath: plan.repository, signal, warn, onProgress: (p) => opts.onProgress?.(source.name, p) });
        sources.push(record);
        emit({ type: 'source-done', source: source.name, snapshot: record.snapshot, files: record.files, bytes: record.bytes, dataAdded: record.dataAdded, unreadable: record.unreadable });
        continue;
      }
      const kind = isFilesSource(source) ? 'files' : 'command';
      emit({ type: 'source-start', source: source.name, kind });
      let unreadable = 0;
      const result = await backup(repo, {
        ...(isFilesSource(source)
          ? { paths: source.files, exclude: source.exclude }
          : { paths: [], stdinCommand: { argv: commandArgv(source.command.backup), filename: `${source.name}.dump` } }),
        tags: [...tags, sourceTag(source.name)],
        host,
        signal,
        onProgress: (p) => opts.onProgress?.(source.name, p),
        onError: (path, err) => {
          unreadable++;
          warn(`${source.name}: ${path}: ${err.message}`);
        },
        onWarning: (path, message) => warn(`${source.name}: ${path}: ${message}`),
      });
      const record: PointSourceRecord = {
        name: source.name,
        kind,
        snapshot: result.snapshotId!,
        paths: isFilesSource(source) ? source.files : [`/${source.name}.dump`],
        files: result.stats.totalFilesProcessed,
        bytes: result.stats.totalBytesProcessed,
        dataAdded: result.dataAdded,
        unreadable,
      };
      sources.push(record);
      emit({ type: 'source-done', source: source.name, snapshot: record.snapshot, files: record.files, bytes: record.bytes, dataAdded: record.dataAdded, unreadable });
    }

    if (plan.inventory) {
      emit({ type: 'source-start', source: INVENTORY_SOURCE, kind: 'inventory' });
      const collected = await inventoryCollect({ sourceConfigs: plan.inventory.sources }, { signal });
      for (const s of collected.document.sources) {
        for (const e of s.errors) warn(`inventory ${s.name}: ${e}`);
        for (const w of s.warnings) warn(`inventory ${s.name}: ${w}`);
      }
      if (collected.failed) throw new LifeboatError('E_PARTIAL', 'every inventory source failed: the point would not document the system', { hint: 'fix the inventory sources of the plan file' });
      const snapshot = await inventoryStore(repo, collected, { host, tags: [...tags, sourceTag(INVENTORY_SOURCE)], signal });
      const summary = collected.document.summary;
      inventoryForGate = readinessInventoryOf(collected.document);
      inventory = {
        snapshot,
        accounts: summary.accounts,
        accountsPerPool: summary.accountsPerPool,
        sources: collected.document.sources.map((s) => ({ name: s.name, type: s.type, status: s.status })),
      };
      emit({ type: 'source-done', source: INVENTORY_SOURCE, snapshot, files: 2, bytes: 0, dataAdded: 0, unreadable: 0 });
    }
  } finally {
    for (const c of plan.hooks.after) {
      emit({ type: 'hook', phase: 'after', command: describeCommand(c) });
      try {
        await runHook(c, 'after', signal);
      } catch (err) {
        warn(errorMessage(err));
      }
    }
  }

  const proofStarted = Date.now();
  const checks: ProofCheck[] = [];
  const record = (check: ProofCheck): void => {
    checks.push(check);
    emit({ type: 'proof', check });
  };
  await repo.loadIndex({ signal });
  const snapshots: { name: string; snapshot: string }[] = [...sources, ...(inventory ? [{ name: INVENTORY_SOURCE, snapshot: inventory.snapshot }] : [])];
  for (const s of snapshots) {
    const entry = await repo.loadSnapshot(parseId(s.snapshot, 'snapshot ID'), signal);
    const r = await checkStructure(repo, entry.tree, signal);
    record({ name: `structure:${s.name}`, ok: r.problems.length === 0, detail: r.problems.length ? r.problems.slice(0, 5).join('; ') : `${r.trees} trees, ${r.blobs} data blobs indexed` });
  }
  for (const source of plan.sources) {
    const rec = sources.find((s) => s.name === source.name)!;
    const entry = await repo.loadSnapshot(parseId(rec.snapshot, 'snapshot ID'), signal);
    if (isFilesSource(source) || isSystemSource(source)) {
      const r = await restoreDrill(repo, entry.tree, rec.paths, opts.fullDrill ? Infinity : plan.drillFiles, signal);
      record({
        name: `drill:${source.name}`,
        ok: r.problems.length === 0,
        detail: r.problems.length
          ? r.problems.slice(0, 5).join('; ')
          : `${r.restored} files restored, ${r.identical} identical to the live file${r.changedSince ? `, ${r.changedSince} changed since the backup (not compared)` : ''}`,
      });
    } else if ('command' in source && source.command.verify) {
      const resolved = await resolveSnapshotPath(repo, rec.snapshot, `/${source.name}.dump`, {}, signal);
      const [cmd, ...args] = commandArgv(source.command.verify);
      const r = await runCommand(cmd!, args, { input: fileContentStream(repo, resolved.node!, signal), timeoutMs: VERIFY_TIMEOUT_MS, signal, maxOutputBytes: 1 << 20 }).catch(
        (err: unknown) => ({ code: null, signal: null, stdout: Buffer.alloc(0), stderr: errorMessage(err) }),
      );
      record({
        name: `verify:${source.name}`,
        ok: r.code === 0,
        detail: r.code === 0 ? `${describeCommand(source.command.verify)} accepted the restored dump (${rec.bytes} bytes)` : `${describeCommand(source.command.verify)} exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      });
    }
  }

  if (plan.checklist) {
    const report = await readinessCheck(plan, { inventory: inventoryForGate, proof: checks, signal });
    emit({ type: 'readiness', report });
    for (const i of report.red) warn(`readiness: ${i.title}${i.pool ? ` (pool ${i.pool})` : ''} is ${i.status}: ${i.detail}; produce it with: ${i.produce}`);
  }

  const manifest: PointManifest = {
    schema: 'lifeboat-point',
    schemaVersion: 1,
    id,
    name: opts.name ?? null,
    note: opts.note ?? null,
    createdAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    host,
    planFile: plan.file,
    lifeboatVersion: VERSION,
    repositoryVersion: repo.config.version,
    sources,
    commands: Object.fromEntries(
      plan.sources.flatMap((s) =>
        !('command' in s) ? [] : [[s.name, { restore: s.command.restore ? commandArgv(s.command.restore) : null, verify: s.command.verify ? commandArgv(s.command.verify) : null }]],
      ),
    ),
    inventory,
    proof: { ok: checks.every((c) => c.ok), durationMs: Date.now() - proofStarted, checks },
    warnings,
  };
  await backup(repo, { paths: [], files: [{ filename: MANIFEST_FILE, data: encodeManifest(manifest) }], tags: [...tags, MANIFEST_TAG], host, signal });
  await journalPointCreated(repo, manifest, signal);
  return manifest;
}

export interface PointSummary {
  id: string;
  /** Manifest snapshot; undefined for an incomplete point. */
  manifestSnapshot?: Id;
  manifest?: PointManifest;
  pinned: boolean;
  /** Snapshots carrying the point's tag. */
  snapshots: number;
  time: string;
}

/** Every point in the repository, oldest first; incomplete ones (no manifest) included. */
export async function pointList(repo: Repository, signal?: AbortSignal): Promise<PointSummary[]> {
  const entries = await loadSnapshots(repo, { tags: [[POINT_TAG]] }, { signal });
  const byId = new Map<string, SnapshotEntry[]>();
  for (const e of entries) {
    const id = pointIdOfTags(e.snapshot.tags);
    if (!id) continue;
    let list = byId.get(id);
    if (!list) byId.set(id, (list = []));
    list.push(e);
  }
  const out: PointSummary[] = [];
  for (const [id, list] of byId) {
    const manifestEntry = list.find((e) => e.snapshot.tags?.includes(MANIFEST_TAG));
    const stored = manifestEntry ? parseManifest((await readSnapshotFile(repo, manifestEntry.id, `/${MANIFEST_FILE}`, {}, signal)).data, `snapshot ${manifestEntry.id.slice(0, 8)}`) : undefined;
    const manifest = stored && withCurrentSnapshots(stored, list.map((e) => ({ id: e.id, original: e.snapshot.original })));
    out.push({
      id,
      ...(manifestEntry ? { manifestSnapshot: manifestEntry.id, manifest } : {}),
      pinned: list.some((e) => e.snapshot.tags?.includes(PINNED_TAG)),
      snapshots: list.length,
      time: manifest?.createdAt ?? list[0]!.snapshot.time,
    });
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/**
 * The points `ref` names: an ID, else the newest with that name, else those whose ID starts with
 * it; `latest` is the newest complete point.
 */
function matchPoints(points: PointSummary[], ref: string): PointSummary[] {
  if (ref === 'latest') return points.filter((p) => p.manifest).slice(-1);
  const byId = points.filter((p) => p.id === ref);
  if (byId.length) return byId;
  const byName = points.filter((p) => p.manifest?.name === ref).slice(-1);
  return byName.length ? byName : points.filter((p) => p.id.startsWith(ref));
}

function ambiguous(ref: string, found: PointSummary[]): LifeboatError {
  return new LifeboatError('E_AMBIGUOUS', `point ${ref} is ambiguous: ${found.map((p) => p.id).join(', ')}`, { hint: 'give more characters of the ID' });
}

/** Finds a complete point by ID, unique ID prefix, name, or `latest` (the newest). */
export async function pointFind(repo: Repository, ref: string, signal?: AbortSignal): Promise<PointSummary & { manifest: PointManifest }> {
  return pickPoint(await pointList(repo, signal), ref);
}

/** pointFind over a list `pointList` returned before (the web console keeps one). */
export function pickPoint(points: PointSummary[], ref: string): PointSummary & { manifest: PointManifest } {
  const found = matchPoints(points, ref);
  if (found.length > 1) throw ambiguous(ref, found);
  const point = found[0];
  if (point?.manifest) return point as PointSummary & { manifest: PointManifest };
  throw new LifeboatError('E_NOT_FOUND', point ? `point ${point.id} is incomplete (its creation was interrupted): it has no manifest` : `no restore point ${ref}`, {
    hint: point ? `create a new point; release the incomplete one with: lifeboat point release ${point.id}` : 'list them with `lifeboat point list`',
  });
}

/** Unpins a point's snapshots (complete or not), so forget may remove them. */
export async function pointRelease(repo: Repository, ref: string, signal?: AbortSignal): Promise<{ id: string; released: number }> {
  const found = matchPoints(await pointList(repo, signal), ref);
  if (found.length > 1) throw ambiguous(ref, found);
  if (!found[0]) throw new LifeboatError('E_NOT_FOUND', `no restore point ${ref}`, { hint: 'list them with `lifeboat point list`' });
  const id = found[0].id;
  const r = await tagSnapshots(repo, { filter: { tags: [[pointTag(id), PINNED_TAG]] }, remove: [PINNED_TAG], signal });
  await journalAppend(repo, { event: 'point-released', point: id, summary: `restore point ${id} released: ${r.changed.length} snapshots unpinned`, detail: { snapshots: r.changed.length } }, { signal });
  return { id, released: r.changed.length };
}
