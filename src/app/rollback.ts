/**
 * Use-cases: plan a rollback to a restore point, and apply it (docs/design/restore-points.md).
 *
 *   plan:  point manifest → per files source, the live filesystem against the point's snapshot;
 *          per command source, a re-import; the point's inventory against a fresh one → steps
 *   apply: journal (resume) → safety point → files → command dumps → accounts → verify
 */
import type { Stats } from 'node:fs';
import { chmod, lchown, lstat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LifeboatError, errorMessage, parseId } from '../core/index.js';
import { PathFilter, PathSet } from '../engine/filter/index.js';
import { type RestoreProgress, restoreTree } from '../engine/restorer/index.js';
import { type InventoryDiff, type LdapSourceConfig, diffInventories, sourceNames } from '../inventory/index.js';
import { runCommand } from '../platform/exec/index.js';
import type { Repository } from '../repository/index.js';
import {
  type PlanFile,
  type PointManifest,
  type RehomeResult,
  type RollbackJournal,
  type RollbackPlan,
  type RollbackStep,
  commandArgv,
  diffLiveAgainstSnapshot,
  fileContentStream,
  isFilesSource,
  journalPath,
  planAccountRollback,
  readJournal,
  rehomeLdapAccounts,
  sfbMoveScript,
  writeJournal,
} from '../rollback/index.js';
import { inventoryCollect, inventoryLoad } from './inventory.js';
import { journalAppend, journalCitations } from './journal.js';
import { pointCreate, pointFind } from './point.js';
import { resolveSnapshotPath } from './snapshot-ref.js';
import { VERSION } from './version.js';
import { type EventHook, rollbackErrorEvent, rollbackEvent } from './events.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface RollbackPlanOptions {
  env: Env;
  signal?: AbortSignal;
}

type FilesStep = Extract<RollbackStep, { kind: 'files' }>;
type SourceRecord = PointManifest['sources'][number];

/** The live files of a files source against the point's snapshot of them. */
async function fileChanges(repo: Repository, plan: PlanFile, rec: SourceRecord, signal?: AbortSignal): Promise<FilesStep['changes']> {
  const source = plan.sources.find((s) => s.name === rec.name);
  const excludes = source && isFilesSource(source) ? (source.exclude ?? []) : [];
  const filter = new PathFilter(excludes, [], { names: [`plan file: sources[${rec.name}].exclude`, ''] });
  const snapshot = await repo.loadSnapshot(parseId(rec.snapshot, 'snapshot ID'), signal);
  const changes: FilesStep['changes'] = [];
  for await (const ch of diffLiveAgainstSnapshot(repo, snapshot.tree, rec.paths, { signal, excluded: (p) => filter.matches(p) })) {
    changes.push({ path: ch.path.toString(), kind: ch.kind, type: ch.type, detail: ch.detail });
  }
  return changes;
}

async function planFiles(repo: Repository, plan: PlanFile, manifest: PointManifest, signal?: AbortSignal): Promise<RollbackStep[]> {
  const steps: RollbackStep[] = [];
  for (const rec of manifest.sources) {
    if (rec.kind === 'files') {
      const changes = await fileChanges(repo, plan, rec, signal);
      steps.push({ id: `files:${rec.name}`, kind: 'files', source: rec.name, snapshot: rec.snapshot, changes });
    } else if (rec.kind === 'command') {
      const fromPlan = plan.sources.find((s) => s.name === rec.name);
      const restore = manifest.commands[rec.name]?.restore ?? (fromPlan && 'command' in fromPlan && fromPlan.command.restore ? commandArgv(fromPlan.command.restore) : null);
      steps.push({ id: `command:${rec.name}`, kind: 'command', source: rec.name, snapshot: rec.snapshot, dumpPath: rec.paths[0]!, restore });
    }
  }
  return steps;
}

/** Compares the present with the point and returns the ordered plan; touches nothing. */
export async function rollbackPlan(repo: Repository, plan: PlanFile, pointRef: string, opts: RollbackPlanOptions): Promise<RollbackPlan> {
  return planAgainst(repo, plan, (await pointFind(repo, pointRef, opts.signal)).manifest, opts);
}

async function planAgainst(repo: Repository, plan: PlanFile, manifest: PointManifest, opts: RollbackPlanOptions): Promise<RollbackPlan> {
  await repo.loadIndex({ signal: opts.signal });
  const steps: RollbackStep[] = [{ id: 'safety-point', kind: 'safety-point' }, ...(await planFiles(repo, plan, manifest, opts.signal))];
  const notes: string[] = [];
  for (const s of steps) if (s.kind === 'command' && !s.restore) notes.push(`source ${s.source} has no restore command: its dump stays in the repository (lifeboat dump)`);
  let accounts: RollbackPlan['accounts'] = null;
  if (manifest.inventory && plan.inventory) {
    const { document: then } = await inventoryLoad(repo, manifest.inventory.snapshot, opts.signal);
    const now = await inventoryCollect({ sourceConfigs: plan.inventory.sources }, { signal: opts.signal, env: opts.env });
    for (const s of now.document.sources) if (s.status !== 'ok') notes.push(`inventory source ${s.name} is ${s.status} now: ${[...s.errors, ...s.warnings].slice(0, 2).join('; ')}`);
    const moves = planAccountRollback(then, now.document, plan.inventory.sources);
    for (const p of moves.sources) steps.push({ id: `accounts:${p.source}`, kind: 'accounts', plan: p });
    accounts = { added: moves.added, removed: moves.removed };
    steps.push({ id: 'verify', kind: 'verify' });
  } else if (manifest.inventory) {
    notes.push('the plan file has no inventory section now: accounts are not compared');
  }
  return {
    schema: 'lifeboat-rollback-plan',
    schemaVersion: 1,
    point: { id: manifest.id, name: manifest.name, createdAt: manifest.createdAt },
    madeAt: new Date().toISOString(),
    steps,
    accounts,
    notes,
    journal: await journalCitations(repo, manifest.id, opts.signal),
  };
}

export type RollbackEvent =
  | { type: 'resume'; journal: string; done: number }
  | { type: 'step-start'; step: RollbackStep; index: number; total: number }
  | { type: 'step-done'; step: RollbackStep; result: string; problems: string[] }
  | { type: 'account'; source: string; result: RehomeResult };

export interface RollbackApplyOptions {
  env: Env;
  stateDir: string;
  /** Remove files added since the point. */
  delete?: boolean;
  signal?: AbortSignal;
  onEvent?: (e: RollbackEvent) => void;
  /** Progress of a files step's restore. */
  onProgress?: (p: RestoreProgress) => void;
  /** Told after each write of a files step to the live tree (the restorer's `afterWrite`; fault-injection tests). */
  afterLiveWrite?: () => void;
  /** Operations events (app/events.ts): rollback.applied or rollback.failed. */
  events?: EventHook;
}

export interface RollbackApplyResult {
  journal: RollbackJournal;
  journalFile: string;
  /** Per step, what could not be done (conflicting accounts, files that failed). */
  problems: string[];
  /** What still differs from the point's inventory after the rollback (null without inventory). */
  remaining: InventoryDiff | null;
  resumed: boolean;
}

/** Applies the plan with a journal; run again after an interruption, it resumes. */
export async function rollbackApply(repo: Repository, plan: PlanFile, pointRef: string, opts: RollbackApplyOptions): Promise<RollbackApplyResult> {
  const { events } = opts;
  if (!events) return applyRollback(repo, plan, pointRef, opts);
  const started = Date.now();
  try {
    const r = await applyRollback(repo, plan, pointRef, opts);
    events(rollbackEvent({ point: r.journal.plan.point.id, steps: r.journal.plan.steps.length, problems: r.problems, resumed: r.resumed }, Date.now() - started, plan.host));
    return r;
  } catch (err) {
    events(rollbackErrorEvent(err, pointRef, Date.now() - started, plan.host));
    throw err;
  }
}

async function applyRollback(repo: Repository, plan: PlanFile, pointRef: string, opts: RollbackApplyOptions): Promise<RollbackApplyResult> {
  const { id: pointId, manifest } = await pointFind(repo, pointRef, opts.signal);
  const file = journalPath(opts.stateDir, pointId);
  let journal = await readJournal(file);
  const resumed = journal !== undefined && !journal.finishedAt;
  if (journal && resumed) {
    opts.onEvent?.({ type: 'resume', journal: file, done: Object.values(journal.steps).filter((s) => s.state === 'done').length });
  } else {
    const planned = await planAgainst(repo, plan, manifest, opts);
    journal = {
      schema: 'lifeboat-rollback-journal',
      startedAt: new Date().toISOString(),
      options: { delete: opts.delete ?? false },
      plan: planned,
      steps: Object.fromEntries(planned.steps.map((s) => [s.id, { state: 'pending' as const }])),
    };
    await writeJournal(file, journal);
  }
  const j = journal;
  const problems: string[] = [];
  let remaining: InventoryDiff | null = null;
  const steps = j.plan.steps;
  for (const [index, step] of steps.entries()) {
    const record = j.steps[step.id] ?? (j.steps[step.id] = { state: 'pending' });
    if (record.state === 'done') continue;
    opts.signal?.throwIfAborted();
    opts.onEvent?.({ type: 'step-start', step, index, total: steps.length });
    const stepProblems: string[] = [];
    let result: string;
    try {
      const out = await applyStep(repo, plan, manifest, step, j, { ...opts, resumed }, stepProblems);
      result = out.result;
      if (out.data) record.data = out.data;
      if (out.remaining) remaining = out.remaining;
    } catch (err) {
      record.state = 'failed';
      record.result = errorMessage(err);
      await writeJournal(file, j);
      throw err;
    }
    record.state = 'done';
    record.finishedAt = new Date().toISOString();
    record.result = result + (stepProblems.length ? ` (${stepProblems.length} problems)` : '');
    problems.push(...stepProblems);
    await writeJournal(file, j);
    await journalAppend(repo, { event: 'rollback-step-applied', point: manifest.id, summary: `rollback to ${manifest.id}: step ${step.id} applied: ${record.result}`, detail: { step: step.id, kind: step.kind, result: record.result, problems: stepProblems.length } }, { signal: opts.signal });
    opts.onEvent?.({ type: 'step-done', step, result, problems: stepProblems });
  }
  j.finishedAt = new Date().toISOString();
  await writeJournal(file, j);
  return { journal: j, journalFile: file, problems, remaining, resumed };
}

/**
 * The restorer gives every directory it passes through the snapshot's metadata; directories
 * above a source's paths (`/srv` for `/srv/app`) are not the source's to change, so their mode,
 * owner and times are saved before and put back after.
 */
async function saveAncestorMetadata(roots: readonly string[]): Promise<{ putBack(): Promise<void> }> {
  const dirs = new Set<string>();
  for (const root of roots) for (let d = dirname(root); d !== '/' && d !== '.'; d = dirname(d)) dirs.add(d);
  const saved: { path: string; st: Stats }[] = [];
  for (const path of dirs) {
    const st = await lstat(path).catch(() => undefined);
    if (st?.isDirectory()) saved.push({ path, st });
  }
  return {
    async putBack(): Promise<void> {
      for (const { path, st } of saved.reverse()) {
        await chmod(path, st.mode & 0o7777).catch(() => {});
        if (process.getuid?.() === 0) await lchown(path, st.uid, st.gid).catch(() => {});
        await utimes(path, st.atime, st.mtime).catch(() => {});
      }
    },
  };
}

async function applyStep(
  repo: Repository,
  plan: PlanFile,
  manifest: PointManifest,
  step: RollbackStep,
  journal: RollbackJournal,
  opts: RollbackApplyOptions & { resumed: boolean },
  problems: string[],
): Promise<{ result: string; data?: Record<string, string>; remaining?: InventoryDiff }> {
  const { signal } = opts;
  switch (step.kind) {
    case 'safety-point': {
      const safety = await pointCreate(repo, plan, { name: `before rollback to ${manifest.id}`, extraTags: ['safety'], signal });
      if (!safety.proof.ok) problems.push(`the safety point ${safety.id} failed its proof: ${safety.proof.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')}`);
      return { result: `safety point ${safety.id}`, data: { safetyPoint: safety.id } };
    }
    case 'files': {
      // the restore's own comparison (--overwrite if-changed, one directory at a time) decides
      // what is written, so a resumed run finds what its interrupted run left (its temporary
      // files included: the restorer removes those) without relying on the plan's list
      if (!opts.resumed && step.changes.length === 0) return { result: 'nothing to restore' };
      const roots = manifest.sources.find((src) => src.name === step.source)?.paths ?? [];
      const source = plan.sources.find((src) => src.name === step.source);
      const excludes = source && isFilesSource(source) ? (source.exclude ?? []) : [];
      await repo.loadIndex({ signal });
      const snapshot = await repo.loadSnapshot(parseId(step.snapshot, 'snapshot ID'), signal);
      const outside = await saveAncestorMetadata(roots);
      const summary = await restoreTree(repo, {
        tree: snapshot.tree,
        target: '/',
        include: new PathSet(roots),
        exclude: excludes.length ? new PathFilter(excludes) : undefined,
        overwrite: 'if-changed',
        delete: journal.options.delete,
        // an entry whose type changed is replaced, with or without --delete
        replaceDirectories: true,
        signal,
        onProgress: opts.onProgress,
        afterWrite: opts.afterLiveWrite,
        onError: (path, err) => problems.push(`${path}: ${err.message}`),
      });
      await outside.putBack();
      return {
        result: `restored ${summary.filesDone} files (${summary.bytesDone} bytes), ${summary.dirs} directories, ${summary.others} other entries; ${summary.filesUnchanged} files unchanged${summary.deleted ? `; removed ${summary.deleted} added entries` : ''}`,
      };
    }
    case 'command': {
      if (!step.restore) return { result: 'no restore command: skipped' };
      await repo.loadIndex({ signal });
      const resolved = await resolveSnapshotPath(repo, step.snapshot, step.dumpPath, {}, signal);
      const [cmd, ...args] = step.restore;
      const r = await runCommand(cmd!, args, { input: fileContentStream(repo, resolved.node!, signal), timeoutMs: 24 * 3600_000, signal, maxOutputBytes: 16 << 20 });
      if (r.code !== 0) {
        throw new LifeboatError('E_COMMAND_FAILED', `restore command of source ${step.source} (${step.restore.join(' ')}) exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, {
          hint: 'fix the cause and run `rollback apply` again: it resumes at this step',
        });
      }
      return { result: `streamed ${resolved.node?.size ?? 0} bytes into ${step.restore.join(' ')}` };
    }
    case 'accounts': {
      const p = step.plan;
      if (p.method === 'report-only') {
        problems.push(...p.moves.map((m) => `${p.source}: ${m.displayName ?? m.id} is on ${m.fromPool ?? 'unassigned'}, was on ${m.toPool ?? 'unassigned'}: ${p.reason}`));
        return { result: `${p.moves.length} accounts reported, not moved` };
      }
      if (p.method === 'sfb-script') {
        const script = join(opts.stateDir, `rollback-${manifest.id}-${p.source}.ps1`);
        await writeFile(script, sfbMoveScript(p.moves, { pointId: manifest.id, generatedBy: `lifeboat ${VERSION}` }), { mode: 0o600 });
        problems.push(`${p.source}: run ${script} in the Skype for Business Management Shell to move ${p.moves.length} accounts back`);
        return { result: `Move-CsUser script written: ${script}`, data: { script } };
      }
      const configs = plan.inventory?.sources ?? [];
      const names = sourceNames(configs);
      const config = configs[names.indexOf(p.source)] as LdapSourceConfig | undefined;
      if (!config) throw new LifeboatError('E_CONFIG', `inventory source ${p.source} is no longer in ${plan.file}`, { hint: 'put it back in the plan file to re-home its accounts' });
      const results = await rehomeLdapAccounts(config, p.attribute, p.moves, { env: opts.env, signal, onResult: (result) => opts.onEvent?.({ type: 'account', source: p.source, result }) });
      const count = (o: RehomeResult['outcome']): number => results.filter((r) => r.outcome === o).length;
      for (const r of results) if (r.outcome === 'conflict' || r.outcome === 'failed') problems.push(`${p.source}: ${r.dn ?? r.id}: ${r.detail}`);
      return { result: `${count('moved')} moved back, ${count('already')} already back, ${count('conflict')} conflicts, ${count('failed')} failed` };
    }
    case 'verify': {
      if (!manifest.inventory || !plan.inventory) return { result: 'no inventory to compare' };
      const { document: then } = await inventoryLoad(repo, manifest.inventory.snapshot, signal);
      const now = await inventoryCollect({ sourceConfigs: plan.inventory.sources }, { signal, env: opts.env });
      const diff = diffInventories(then, now.document);
      const a = diff.accounts;
      if (a.moved.length) problems.push(`${a.moved.length} accounts are still not on their original pool`);
      return { result: `inventory again: ${a.moved.length} moved, ${a.added.length} added, ${a.removed.length} removed since the point`, remaining: diff };
    }
  }
}
