/**
 * The rollback step executor: carries out one step of a rollback plan.
 *
 *   safety-point → a new restore point of the present (through `services`)
 *   files        → restore the source's paths from the point's snapshot (--overwrite if-changed),
 *                  directories above them keep their own metadata
 *   command      → stream the dump into the source's restore command
 *   accounts     → LDAP re-homing, a Move-CsUser script, or a report of the moves
 *   verify       → collect the inventory again and compare it with the point's
 *
 * What the steps need from the use-case layer (creating a point, loading and collecting
 * inventories, resolving a path in a snapshot) is injected through `StepServices`, so this
 * folder stays below app/. Per-item problems go to `problems`; a step that cannot go on throws.
 */
import { join } from 'node:path';
import { LifeboatError, parseId } from '../core/index.js';
import { PathFilter, PathSet } from '../engine/filter/index.js';
import { type RestoreProgress, restoreTree } from '../engine/restorer/index.js';
import { type InventoryDiff, type LdapSourceConfig, diffInventories, sourceNames } from '../inventory/index.js';
import type { InventoryDocument } from '../inventory/index.js';
import { runCommand } from '../platform/exec/index.js';
import { writeFileAtomic } from '../platform/fs/index.js';
import type { Repository } from '../repository/index.js';
import type { Node } from '../repository/model/index.js';
import { saveAncestorMetadata } from './ancestor-metadata.js';
import type { RollbackJournal } from './journal.js';
import { type PointManifest } from './manifest.js';
import { type PlanFile, isFilesSource } from './plan-file.js';
import { fileContentStream } from './proof.js';
import { type RehomeResult, rehomeLdapAccounts } from './ldap-rehome.js';
import type { RollbackStep } from './rollback-plan.js';
import { sfbMoveScript } from './sfb-script.js';

/** What a step needs from the layer above. */
export interface StepServices {
  /** Creates the safety point (a restore point of the present) and returns its manifest. */
  createSafetyPoint(name: string, signal?: AbortSignal): Promise<PointManifest>;
  /** The inventory document stored in `snapshot`. */
  loadInventory(snapshot: string, signal?: AbortSignal): Promise<InventoryDocument>;
  /** A fresh inventory of the plan file's inventory sources. */
  collectInventory(signal?: AbortSignal): Promise<InventoryDocument>;
  /** The node of the file at `path` in `snapshot` (the index is loaded). */
  resolveFile(snapshot: string, path: string, signal?: AbortSignal): Promise<Node | undefined>;
  /** Program and version, written into generated scripts. */
  generatedBy: string;
}

export interface StepContext {
  repo: Repository;
  plan: PlanFile;
  manifest: PointManifest;
  journal: RollbackJournal;
  services: StepServices;
  env: Readonly<Record<string, string | undefined>>;
  /** Where generated scripts are written. */
  stateDir: string;
  /** A run resumed from an interrupted one. */
  resumed: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RestoreProgress) => void;
  /** Told after each write of a files step to the live tree (the restorer's `afterWrite`; fault-injection tests). */
  afterLiveWrite?: () => void;
  onAccount?: (source: string, result: RehomeResult) => void;
}

export interface StepOutcome {
  result: string;
  data?: Record<string, string>;
  remaining?: InventoryDiff;
}

const RESTORE_COMMAND_TIMEOUT_MS = 24 * 3600_000;

/** Carries out `step`; what could not be done item by item is pushed to `problems`. */
export async function applyRollbackStep(ctx: StepContext, step: RollbackStep, problems: string[]): Promise<StepOutcome> {
  switch (step.kind) {
    case 'safety-point':
      return safetyPoint(ctx, problems);
    case 'files':
      return restoreFiles(ctx, step, problems);
    case 'command':
      return restoreCommand(ctx, step);
    case 'accounts':
      return moveAccounts(ctx, step, problems);
    case 'verify':
      return verify(ctx, problems);
  }
}

async function safetyPoint(ctx: StepContext, problems: string[]): Promise<StepOutcome> {
  const safety = await ctx.services.createSafetyPoint(`before rollback to ${ctx.manifest.id}`, ctx.signal);
  if (!safety.proof.ok)
    problems.push(
      `the safety point ${safety.id} failed its proof: ${safety.proof.checks
        .filter((c) => !c.ok)
        .map((c) => c.name)
        .join(', ')}`,
    );
  return { result: `safety point ${safety.id}`, data: { safetyPoint: safety.id } };
}

async function restoreFiles(ctx: StepContext, step: Extract<RollbackStep, { kind: 'files' }>, problems: string[]): Promise<StepOutcome> {
  const { repo, plan, manifest, signal } = ctx;
  // the restore's own comparison (--overwrite if-changed, one directory at a time) decides
  // what is written, so a resumed run finds what its interrupted run left (its temporary
  // files included: the restorer removes those) without relying on the plan's list
  if (!ctx.resumed && step.changes.length === 0) return { result: 'nothing to restore' };
  const roots = manifest.sources.find((src) => src.name === step.source)?.paths ?? [];
  const source = plan.sources.find((src) => src.name === step.source);
  const excludes = source && isFilesSource(source) ? (source.exclude ?? []) : [];
  await repo.loadIndex({ signal });
  const snapshot = await repo.loadSnapshot(parseId(step.snapshot, 'snapshot ID'), signal);
  const outside = await saveAncestorMetadata(roots, (path, message) => problems.push(`${path}: ${message}`));
  const summary = await restoreTree(repo, {
    tree: snapshot.tree,
    target: '/',
    include: new PathSet(roots),
    exclude: excludes.length ? new PathFilter(excludes) : undefined,
    overwrite: 'if-changed',
    delete: ctx.journal.options.delete,
    // an entry whose type changed is replaced, with or without --delete
    replaceDirectories: true,
    signal,
    onProgress: ctx.onProgress,
    afterWrite: ctx.afterLiveWrite,
    onError: (path, err) => problems.push(`${path}: ${err.message}`),
    // a damaged copy another copy replaced: the files are right, the pack needs `repair packs`
    onWarning: (message) => problems.push(message),
  });
  await outside.putBack();
  return {
    result: `restored ${summary.filesDone} files (${summary.bytesDone} bytes), ${summary.dirs} directories, ${summary.others} other entries; ${summary.filesUnchanged} files unchanged${summary.deleted ? `; removed ${summary.deleted} added entries` : ''}`,
  };
}

async function restoreCommand(ctx: StepContext, step: Extract<RollbackStep, { kind: 'command' }>): Promise<StepOutcome> {
  const { repo, signal } = ctx;
  if (!step.restore) return { result: 'no restore command: skipped' };
  await repo.loadIndex({ signal });
  const node = await ctx.services.resolveFile(step.snapshot, step.dumpPath, signal);
  if (!node)
    throw new LifeboatError('E_NOT_FOUND', `the dump ${step.dumpPath} of source ${step.source} is not a file in snapshot ${step.snapshot.slice(0, 8)}`, {
      hint: 'check the point with `lifeboat point show`',
    });
  const [cmd, ...args] = step.restore;
  const r = await runCommand(cmd!, args, { input: fileContentStream(repo, node, signal), timeoutMs: RESTORE_COMMAND_TIMEOUT_MS, signal, maxOutputBytes: 16 << 20 });
  if (r.code !== 0) {
    throw new LifeboatError(
      'E_COMMAND_FAILED',
      `restore command of source ${step.source} (${step.restore.join(' ')}) exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      {
        hint: 'fix the cause and run `rollback apply` again: it resumes at this step',
      },
    );
  }
  return { result: `streamed ${node.size ?? 0} bytes into ${step.restore.join(' ')}` };
}

async function moveAccounts(ctx: StepContext, step: Extract<RollbackStep, { kind: 'accounts' }>, problems: string[]): Promise<StepOutcome> {
  const { plan, manifest } = ctx;
  const p = step.plan;
  if (p.method === 'report-only') {
    problems.push(...p.moves.map((m) => `${p.source}: ${m.displayName ?? m.id} is on ${m.fromPool ?? 'unassigned'}, was on ${m.toPool ?? 'unassigned'}: ${p.reason}`));
    return { result: `${p.moves.length} accounts reported, not moved` };
  }
  if (p.method === 'sfb-script') {
    const script = join(ctx.stateDir, `rollback-${manifest.id}-${p.source}.ps1`);
    await writeFileAtomic(script, sfbMoveScript(p.moves, { pointId: manifest.id, generatedBy: ctx.services.generatedBy }));
    problems.push(`${p.source}: run ${script} in the Skype for Business Management Shell to move ${p.moves.length} accounts back`);
    return { result: `Move-CsUser script written: ${script}`, data: { script } };
  }
  const configs = plan.inventory?.sources ?? [];
  const names = sourceNames(configs);
  const config = configs[names.indexOf(p.source)] as LdapSourceConfig | undefined;
  if (!config) throw new LifeboatError('E_CONFIG', `inventory source ${p.source} is no longer in ${plan.file}`, { hint: 'put it back in the plan file to re-home its accounts' });
  const results = await rehomeLdapAccounts(config, p.attribute, p.moves, { env: ctx.env, signal: ctx.signal, onResult: (result) => ctx.onAccount?.(p.source, result) });
  const count = (o: RehomeResult['outcome']): number => results.filter((r) => r.outcome === o).length;
  for (const r of results) if (r.outcome === 'conflict' || r.outcome === 'failed') problems.push(`${p.source}: ${r.dn ?? r.id}: ${r.detail}`);
  return { result: `${count('moved')} moved back, ${count('already')} already back, ${count('conflict')} conflicts, ${count('failed')} failed` };
}

async function verify(ctx: StepContext, problems: string[]): Promise<StepOutcome> {
  const { manifest, plan, signal } = ctx;
  if (!manifest.inventory || !plan.inventory) return { result: 'no inventory to compare' };
  const then = await ctx.services.loadInventory(manifest.inventory.snapshot, signal);
  const now = await ctx.services.collectInventory(signal);
  const diff = diffInventories(then, now);
  const a = diff.accounts;
  if (a.moved.length) problems.push(`${a.moved.length} accounts are still not on their original pool`);
  return { result: `inventory again: ${a.moved.length} moved, ${a.added.length} added, ${a.removed.length} removed since the point`, remaining: diff };
}
