/**
 * Use-case: create a restore point (docs/design/restore-points.md), one function per phase:
 *
 *   runHooks(before) → backupSources (one snapshot per files, command or system source)
 *   → storeInventory (one snapshot) → runHooks(after, also when a source failed)
 *   → provePoint (structure of every snapshot, restore drill, verify commands)
 *   → readiness gate → writeManifest (the manifest snapshot, written last) → journal
 *
 * Every snapshot is tagged with the point; a point without its manifest is incomplete.
 */
import { randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { LifeboatError, errorMessage, parseId } from '../core/index.js';
import type { ArchiveProgress } from '../engine/archiver/index.js';
import { runCommand } from '../platform/exec/index.js';
import { type Repository, loadSnapshots } from '../repository/index.js';
import {
  INVENTORY_SOURCE,
  MANIFEST_FILE,
  MANIFEST_TAG,
  POINT_TAG,
  type CommandLine,
  type CommandSource,
  type FilesSource,
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
  pointIdOfTags,
  pointTags,
  restoreDrill,
  sourceTag,
} from '../rollback/index.js';
import { backup } from './backup.js';
import { type EventHook, gateRedEvent, pointErrorEvent, pointEvent } from './events.js';
import { inventoryCollect, inventoryStore } from './inventory.js';
import { journalPointCreated } from './journal.js';
import { readinessCheck, readinessInventoryOf } from './ready.js';
import { resolveSnapshotPath } from './snapshot-ref.js';
import { backupSystemSource } from './system-source.js';
import { VERSION } from './version.js';

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

/** What every phase of one point creation shares. */
interface PointRun {
  repo: Repository;
  plan: PlanFile;
  opts: PointCreateOptions;
  id: string;
  /** The point's tags (plus the caller's extra tags), put on every snapshot. */
  tags: string[];
  host: string;
  started: Date;
  warnings: string[];
  emit(e: PointEvent): void;
  warn: (message: string) => void;
}

type PointInventory = PointManifest['inventory'];

function describeCommand(c: CommandLine): string {
  return typeof c === 'string' ? c : c.join(' ');
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
    const failingSteps = [...(event.failingSteps ?? []), ...redItems.map((i) => ({ name: `readiness:${i.id}${i.pool ? `:${i.pool}` : ''}`, detail: `${i.status}: ${i.detail}` }))];
    opts.events(gateRedEvent({ point: event.point, host: manifest.host, reason: reasons.join('; '), failingSteps }));
  }
  return manifest;
}

async function createPoint(repo: Repository, plan: PlanFile, opts: PointCreateOptions): Promise<PointManifest> {
  const run = await startRun(repo, plan, opts);
  await runHooks(run, 'before');
  const sources: PointSourceRecord[] = [];
  let inventory: { record: PointInventory; forGate: ReadinessInventory | null };
  try {
    await backupSources(run, sources);
    inventory = await storeInventory(run);
  } finally {
    await runHooks(run, 'after');
  }
  const proof = await provePoint(run, sources, inventory.record);
  await readinessGate(run, inventory.forGate, proof.checks);
  return writeManifest(run, sources, inventory.record, proof);
}

async function startRun(repo: Repository, plan: PlanFile, opts: PointCreateOptions): Promise<PointRun> {
  const id = await newPointId(repo, opts.signal);
  const warnings: string[] = [];
  const emit = (e: PointEvent): void => opts.onEvent?.(e);
  return {
    repo,
    plan,
    opts,
    id,
    tags: [...pointTags(id), ...(opts.extraTags ?? [])],
    host: plan.host ?? osHostname(),
    started: new Date(),
    warnings,
    emit,
    warn: (message) => {
      warnings.push(message);
      emit({ type: 'warning', message });
    },
  };
}

async function newPointId(repo: Repository, signal?: AbortSignal): Promise<string> {
  const taken = new Set((await loadSnapshots(repo, { tags: [[POINT_TAG]] }, { signal })).map((e) => pointIdOfTags(e.snapshot.tags)));
  for (;;) {
    const id = randomBytes(4).toString('hex');
    if (!taken.has(id)) return id;
  }
}

/** A failing before hook stops the point (nothing is backed up); a failing after hook is a warning. */
async function runHooks(run: PointRun, phase: 'before' | 'after'): Promise<void> {
  for (const c of run.plan.hooks[phase]) {
    run.emit({ type: 'hook', phase, command: describeCommand(c) });
    try {
      await runHook(c, phase, run.opts.signal);
    } catch (err) {
      if (phase === 'before') throw err;
      run.warn(errorMessage(err));
    }
  }
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

/** One snapshot per source of the plan, appended to `sources` as each one is done. */
async function backupSources(run: PointRun, sources: PointSourceRecord[]): Promise<void> {
  for (const source of run.plan.sources) {
    const kind = isSystemSource(source) ? 'system' : isFilesSource(source) ? 'files' : 'command';
    run.emit({ type: 'source-start', source: source.name, kind });
    const onProgress = (p: ArchiveProgress): void => run.opts.onProgress?.(source.name, p);
    const record = isSystemSource(source)
      ? await backupSystemSource(run.repo, source, { tags: run.tags, host: run.host, repositoryPath: run.plan.repository, signal: run.opts.signal, warn: run.warn, onProgress })
      : await backupPlanSource(run, source, onProgress);
    sources.push(record);
    run.emit({ type: 'source-done', source: source.name, snapshot: record.snapshot, files: record.files, bytes: record.bytes, dataAdded: record.dataAdded, unreadable: record.unreadable });
  }
}

async function backupPlanSource(run: PointRun, source: FilesSource | CommandSource, onProgress: (p: ArchiveProgress) => void): Promise<PointSourceRecord> {
  let unreadable = 0;
  const result = await backup(run.repo, {
    ...(isFilesSource(source) ? { paths: source.files, exclude: source.exclude } : { paths: [], stdinCommand: { argv: commandArgv(source.command.backup), filename: `${source.name}.dump` } }),
    tags: [...run.tags, sourceTag(source.name)],
    host: run.host,
    signal: run.opts.signal,
    onProgress,
    onError: (path, err) => {
      unreadable++;
      run.warn(`${source.name}: ${path}: ${err.message}`);
    },
    onWarning: (path, message) => run.warn(`${source.name}: ${path}: ${message}`),
  });
  return {
    name: source.name,
    kind: isFilesSource(source) ? 'files' : 'command',
    snapshot: result.snapshotId!,
    paths: isFilesSource(source) ? source.files : [`/${source.name}.dump`],
    files: result.stats.totalFilesProcessed,
    bytes: result.stats.totalBytesProcessed,
    dataAdded: result.dataAdded,
    unreadable,
  };
}

/** Collects the plan's inventory and stores it as one snapshot; every source failing stops the point. */
async function storeInventory(run: PointRun): Promise<{ record: PointInventory; forGate: ReadinessInventory | null }> {
  if (!run.plan.inventory) return { record: null, forGate: null };
  const { signal } = run.opts;
  run.emit({ type: 'source-start', source: INVENTORY_SOURCE, kind: 'inventory' });
  const collected = await inventoryCollect({ sourceConfigs: run.plan.inventory.sources }, { signal });
  for (const s of collected.document.sources) {
    for (const e of s.errors) run.warn(`inventory ${s.name}: ${e}`);
    for (const w of s.warnings) run.warn(`inventory ${s.name}: ${w}`);
  }
  if (collected.failed) throw new LifeboatError('E_PARTIAL', 'every inventory source failed: the point would not document the system', { hint: 'fix the inventory sources of the plan file' });
  const snapshot = await inventoryStore(run.repo, collected, { host: run.host, tags: [...run.tags, sourceTag(INVENTORY_SOURCE)], signal });
  const summary = collected.document.summary;
  run.emit({ type: 'source-done', source: INVENTORY_SOURCE, snapshot, files: 2, bytes: 0, dataAdded: 0, unreadable: 0 });
  return {
    record: {
      snapshot,
      accounts: summary.accounts,
      accountsPerPool: summary.accountsPerPool,
      sources: collected.document.sources.map((s) => ({ name: s.name, type: s.type, status: s.status })),
    },
    forGate: readinessInventoryOf(collected.document),
  };
}

/** The proof: every snapshot's structure, a restore drill per files or system source, each verify command. */
async function provePoint(run: PointRun, sources: PointSourceRecord[], inventory: PointInventory): Promise<PointManifest['proof']> {
  const { repo, plan } = run;
  const { signal } = run.opts;
  const started = Date.now();
  const checks: ProofCheck[] = [];
  const record = (check: ProofCheck): void => {
    checks.push(check);
    run.emit({ type: 'proof', check });
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
    if (isFilesSource(source) || isSystemSource(source)) {
      const entry = await repo.loadSnapshot(parseId(rec.snapshot, 'snapshot ID'), signal);
      const r = await restoreDrill(repo, entry.tree, rec.paths, run.opts.fullDrill ? Infinity : plan.drillFiles, signal);
      record({
        name: `drill:${source.name}`,
        ok: r.problems.length === 0,
        detail: r.problems.length
          ? r.problems.slice(0, 5).join('; ')
          : `${r.restored} files restored, ${r.identical} identical to the live file${r.changedSince ? `, ${r.changedSince} changed since the backup (not compared)` : ''}`,
      });
    } else if (source.command.verify) {
      record(await verifyDump(run, source.name, source.command.verify, rec));
    }
  }
  return { ok: checks.every((c) => c.ok), durationMs: Date.now() - started, checks };
}

/** Streams the stored dump into the source's verify command. */
async function verifyDump(run: PointRun, name: string, verify: CommandLine, rec: PointSourceRecord): Promise<ProofCheck> {
  const { signal } = run.opts;
  const resolved = await resolveSnapshotPath(run.repo, rec.snapshot, `/${name}.dump`, {}, signal);
  const [cmd, ...args] = commandArgv(verify);
  // a verify command that cannot run fails the check (with why), not the point
  const r = await runCommand(cmd!, args, { input: fileContentStream(run.repo, resolved.node!, signal), timeoutMs: VERIFY_TIMEOUT_MS, signal, maxOutputBytes: 1 << 20 }).catch((err: unknown) => ({
    code: null,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: errorMessage(err),
  }));
  return {
    name: `verify:${name}`,
    ok: r.code === 0,
    detail:
      r.code === 0
        ? `${describeCommand(verify)} accepted the restored dump (${rec.bytes} bytes)`
        : `${describeCommand(verify)} exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
  };
}

/** The plan's readiness checklist, when it names one: red items become warnings of the point. */
async function readinessGate(run: PointRun, inventory: ReadinessInventory | null, proof: ProofCheck[]): Promise<void> {
  if (!run.plan.checklist) return;
  const report = await readinessCheck(run.plan, { inventory, proof, signal: run.opts.signal });
  run.emit({ type: 'readiness', report });
  for (const i of report.red) run.warn(`readiness: ${i.title}${i.pool ? ` (pool ${i.pool})` : ''} is ${i.status}: ${i.detail}; produce it with: ${i.produce}`);
}

/** The manifest snapshot, written last: its presence makes the point complete. */
async function writeManifest(run: PointRun, sources: PointSourceRecord[], inventory: PointInventory, proof: PointManifest['proof']): Promise<PointManifest> {
  const { repo, plan, opts } = run;
  const manifest: PointManifest = {
    schema: 'lifeboat-point',
    schemaVersion: 1,
    id: run.id,
    name: opts.name ?? null,
    note: opts.note ?? null,
    createdAt: run.started.toISOString(),
    finishedAt: new Date().toISOString(),
    host: run.host,
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
    proof,
    warnings: run.warnings,
  };
  await backup(repo, { paths: [], files: [{ filename: MANIFEST_FILE, data: encodeManifest(manifest) }], tags: [...run.tags, MANIFEST_TAG], host: run.host, signal: opts.signal });
  await journalPointCreated(repo, manifest, opts.signal);
  return manifest;
}
