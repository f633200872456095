/**
 * Use-cases: plan a rollback to a restore point, and apply it (docs/design/restore-points.md).
 *
 *   plan:  point manifest → per files source, the live filesystem against the point's snapshot;
 *          per command source, a re-import; the point's inventory against a fresh one → steps
 *   apply: journal (resume) → safety point → files → command dumps → accounts → verify
 */
import { errorMessage, parseId } from '../core/index.js';
import { PathFilter } from '../engine/filter/index.js';
import type { RestoreProgress } from '../engine/restorer/index.js';
import type { InventoryDiff } from '../inventory/index.js';
import type { Repository } from '../repository/index.js';
import {
  type PlanFile,
  type PointManifest,
  type RehomeResult,
  type RollbackJournal,
  type RollbackPlan,
  type RollbackStep,
  type StepContext,
  type StepServices,
  applyRollbackStep,
  commandArgv,
  diffLiveAgainstSnapshot,
  isFilesSource,
  journalPath,
  planAccountRollback,
  readJournal,
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
  const stepContext: StepContext = {
    repo,
    plan,
    manifest,
    journal: j,
    services: stepServices(repo, plan, opts.env),
    env: opts.env,
    stateDir: opts.stateDir,
    resumed,
    signal: opts.signal,
    onProgress: opts.onProgress,
    afterLiveWrite: opts.afterLiveWrite,
    onAccount: (source, result) => opts.onEvent?.({ type: 'account', source, result }),
  };
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
      const out = await applyRollbackStep(stepContext, step, stepProblems);
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
    await journalAppend(
      repo,
      {
        event: 'rollback-step-applied',
        point: manifest.id,
        summary: `rollback to ${manifest.id}: step ${step.id} applied: ${record.result}`,
        detail: { step: step.id, kind: step.kind, result: record.result, problems: stepProblems.length },
      },
      { signal: opts.signal },
    );
    opts.onEvent?.({ type: 'step-done', step, result, problems: stepProblems });
  }
  j.finishedAt = new Date().toISOString();
  await writeJournal(file, j);
  return { journal: j, journalFile: file, problems, remaining, resumed };
}

/** What the step executor (rollback/apply-step.ts) needs from the use-cases. */
function stepServices(repo: Repository, plan: PlanFile, env: Env): StepServices {
  return {
    createSafetyPoint: (name, signal) => pointCreate(repo, plan, { name, extraTags: ['safety'], signal }),
    loadInventory: async (snapshot, signal) => (await inventoryLoad(repo, snapshot, signal)).document,
    collectInventory: async (signal) => (await inventoryCollect({ sourceConfigs: plan.inventory?.sources ?? [] }, { signal, env })).document,
    resolveFile: async (snapshot, path, signal) => (await resolveSnapshotPath(repo, snapshot, path, {}, signal)).node,
    generatedBy: `lifeboat ${VERSION}`,
  };
}
