/**
 * `lifeboat point create|list|show|release`: restore points before a migration
 * (docs/design/restore-points.md); the way back is rollback-commands.ts. Also the plan file
 * (-c) and its repository, which the rollback, journal, ready and system commands share.
 */
import { existsSync } from 'node:fs';
import type { PlanFile, ReadinessReport, Repository } from '../../app/index.js';
import { type CommandContext, repositoryContext } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { ProgressReporter, backupProgressLine } from '../progress.js';
import { choosePrinter } from '../printers/index.js';
import type { Register } from '../action.js';
import { addOperationOptions, withOperation } from '../operation.js';

export const DEFAULT_PLAN = 'lifeboat.yaml';

/**
 * The restore-point and rollback use-cases (with the inventory collectors, yaml and zod behind
 * them) are loaded when one of these commands runs, not by every command of the CLI.
 */
const app = (): Promise<typeof import('../../app/index.js')> => import('../../app/index.js');
const printers = (): Promise<typeof import('../printers/point-printers.js')> => import('../printers/point-printers.js');

/** The plan file: -c, else ./lifeboat.yaml; `required` false returns undefined when neither exists. */
export async function planOf(file: string | undefined, required: true): Promise<PlanFile>;
export async function planOf(file: string | undefined, required: boolean): Promise<PlanFile | undefined>;
export async function planOf(file: string | undefined, required: boolean): Promise<PlanFile | undefined> {
  const { loadPlanFile } = await app();
  if (file) return loadPlanFile(file);
  if (existsSync(DEFAULT_PLAN) || required) return loadPlanFile(DEFAULT_PLAN);
  return undefined;
}

export async function withPlanRepository<T>(ctx: CommandContext, plan: PlanFile | undefined, fn: (repo: Repository) => Promise<T>): Promise<T> {
  const base = repositoryContext(ctx);
  const { planRepositoryContext, withRepository } = await app();
  return withRepository(plan ? planRepositoryContext(base, plan) : base, fn);
}

export const registerPointCommands: Register = (program, run) => {
  const point = program.command('point').description('restore points: a full, proven backup of everything a plan file names, with its inventory');

  addOperationOptions(point.command('create').description('back up every source of the plan file and the inventory, prove the point restores, write its manifest'))
    .option('-c, --config <file>', `plan file (default: ./${DEFAULT_PLAN})`)
    .option('--name <name>', 'a name for the point (usable instead of its ID)')
    .option('--note <text>', 'a note kept in the manifest (change ticket, reason)')
    .option('--full-drill', 'restore and compare every file in the proof, not a sample')
    .addHelpText(
      'after',
      "\nExit codes: 0 point created and proven, 1 error or the proof failed, 3 created but some files could not be read, an inventory source failed, or the readiness gate of the plan's checklist is red.",
    )
    .action(
      run(async (ctx, o) => {
        const [{ pointCreate }, { pointCreatePrinter }] = await Promise.all([app(), printers()]);
        const plan = await planOf(o.config, true);
        const print = choosePrinter(ctx, pointCreatePrinter);
        const progress = new ProgressReporter(ctx, backupProgressLine);
        let readiness: ReadinessReport | undefined;
        const m = await withOperation(ctx, o, plan, async (events) => {
          const manifest = await withPlanRepository(ctx, plan, (repo) =>
            pointCreate(repo, plan, {
              name: o.name,
              note: o.note,
              fullDrill: o.fullDrill,
              signal: ctx.signal,
              onEvent: (e) => {
                progress.done();
                if (e.type === 'readiness') readiness = e.report;
                print.event(e);
              },
              events,
              onProgress: (source, p) => progress.update({ ...p, current: `${source}: ${p.current ?? ''}` }),
            }),
          );
          progress.done();
          print.created(manifest);
          return manifest;
        });
        print.outcome(m, readiness);
        if (!m.proof.ok) ctx.exitCode = EXIT.error;
        else if (m.inventory?.sources.some((s) => s.status === 'failed') || m.sources.some((s) => s.unreadable > 0)) ctx.exitCode = EXIT.partial;
        if (readiness?.red.length && ctx.exitCode === EXIT.ok) ctx.exitCode = EXIT.partial;
      }),
    );

  point
    .command('list')
    .description('list restore points (incomplete ones, whose creation was interrupted, included)')
    .option('-c, --config <file>', 'plan file naming the repository (default: ./lifeboat.yaml when present)')
    .action(
      run(async (ctx, o) => {
        const [{ pointList }, { pointListPrinter }] = await Promise.all([app(), printers()]);
        const plan = await planOf(o.config, false);
        const points = await withPlanRepository(ctx, plan, (repo) => pointList(repo, ctx.signal));
        choosePrinter(ctx, pointListPrinter)(points);
      }),
    );

  point
    .command('show')
    .description('show a restore point: sources, sizes, accounts per pool, proof results')
    .argument('<point>', 'point ID, unique prefix, name, or latest')
    .option('-c, --config <file>', 'plan file naming the repository (default: ./lifeboat.yaml when present)')
    .action(
      run(async (ctx, ref, o) => {
        const [{ pointFind, journalCitations }, { pointShowPrinter }] = await Promise.all([app(), printers()]);
        const plan = await planOf(o.config, false);
        const shown = await withPlanRepository(ctx, plan, async (repo) => {
          const found = await pointFind(repo, ref, ctx.signal);
          return { manifest: found.manifest, pinned: found.pinned, journal: await journalCitations(repo, found.id, ctx.signal) };
        });
        choosePrinter(ctx, pointShowPrinter)(shown);
      }),
    );

  point
    .command('release')
    .description("unpin a restore point's snapshots so that forget may remove them")
    .argument('<point>', 'point ID, unique prefix or name')
    .option('-c, --config <file>', 'plan file naming the repository (default: ./lifeboat.yaml when present)')
    .action(
      run(async (ctx, ref, o) => {
        const [{ pointRelease }, { pointReleasePrinter }] = await Promise.all([app(), printers()]);
        const plan = await planOf(o.config, false);
        const r = await withPlanRepository(ctx, plan, (repo) => pointRelease(repo, ref, ctx.signal));
        choosePrinter(ctx, pointReleasePrinter)(r);
      }),
    );
};
