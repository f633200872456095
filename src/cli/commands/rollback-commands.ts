/**
 * `lifeboat rollback plan|apply|approve`: compare the present with a restore point, put it back,
 * and record who approved the plan (docs/design/restore-points.md, docs/design/journal.md).
 */
import { EXIT } from '../exit-codes.js';
import { formatBytes } from '../format.js';
import { ProgressReporter } from '../progress.js';
import { choosePrinter } from '../printers/index.js';
import type { Register } from '../action.js';
import { addOperationOptions, withOperation } from '../operation.js';
import { DEFAULT_PLAN, planOf, withPlanRepository } from './point-commands.js';

/** The rollback use-cases (with the inventory collectors behind them) load when a command runs. */
const app = (): Promise<typeof import('../../app/index.js')> => import('../../app/index.js');
const printers = (): Promise<typeof import('../printers/rollback-printers.js')> => import('../printers/rollback-printers.js');

export const registerRollbackCommands: Register = (program, run) => {
  const rollback = program.command('rollback').description('compare the present with a restore point and put it back');

  rollback
    .command('plan')
    .description('list what changed since a point (files, accounts moved between pools, dumps to re-import) as an ordered plan; touches nothing')
    .argument('<point>', 'point ID, unique prefix, name, or latest')
    .option('-c, --config <file>', `plan file (default: ./${DEFAULT_PLAN})`)
    .option('--markdown', 'print the plan as Markdown (for change-approval boards)')
    .option('--delete', 'plan to remove files added since the point')
    .addHelpText('after', `\nExit codes: ${EXIT.ok} nothing differs, ${EXIT.error} error, ${EXIT.planHasWork} differences found (the plan has work to do).`)
    .action(
      run(async (ctx, ref, o) => {
        const [{ rollbackPlan, planIsEmpty }, { rollbackPlanPrinter }] = await Promise.all([app(), printers()]);
        const plan = await planOf(o.config, true);
        const p = await withPlanRepository(ctx, plan, (repo) => rollbackPlan(repo, plan, ref, { env: ctx.io.env, signal: ctx.signal }));
        choosePrinter(ctx, rollbackPlanPrinter)(p, { markdown: o.markdown, delete: o.delete });
        ctx.exitCode = planIsEmpty(p) ? EXIT.ok : EXIT.planHasWork;
      }),
    );

  addOperationOptions(
    rollback.command('apply').description('put the system back to a restore point: safety point first, then files, dumps and accounts, with a journal that resumes an interrupted run'),
  )
    .argument('<point>', 'point ID, unique prefix, name, or latest')
    .option('-c, --config <file>', `plan file (default: ./${DEFAULT_PLAN})`)
    .option('--yes', 'really apply (without it: a dry run that prints the plan and touches nothing)')
    .option('--delete', 'also remove files added since the point')
    .option('--state-dir <dir>', 'where the journal is kept (env: LIFEBOAT_STATE_DIR; default /var/lib/lifeboat for root)')
    .addHelpText('after', '\nExit codes: 0 applied and nothing remains different, 1 error (run again to resume), 3 applied with problems (conflicts, manual steps).')
    .action(
      run(async (ctx, ref, o) => {
        const [{ rollbackPlan, rollbackApply, defaultStateDir, liveWriteNotifier }, { rollbackApplyPrinter }] = await Promise.all([app(), printers()]);
        const plan = await planOf(o.config, true);
        const stateDir = o.stateDir ?? defaultStateDir(ctx.io.env);
        const print = choosePrinter(ctx, rollbackApplyPrinter);
        await withOperation(ctx, o, plan, (events) =>
          withPlanRepository(ctx, plan, async (repo) => {
            if (!o.yes) {
              print.dryRun(await rollbackPlan(repo, plan, ref, { env: ctx.io.env, signal: ctx.signal }), { delete: o.delete });
              return;
            }
            const progress = new ProgressReporter(
              ctx,
              (p, elapsed) => `[${elapsed.toFixed(0)} s] restoring ${p.filesDone} of ${p.filesTotal ?? '?'} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal ?? 0)}`,
            );
            const r = await rollbackApply(repo, plan, ref, {
              env: ctx.io.env,
              stateDir,
              delete: o.delete,
              signal: ctx.signal,
              onEvent: (e) => {
                progress.done();
                print.event(e);
              },
              events,
              onProgress: (p) => progress.update(p),
              // undefined unless a write observer is registered (the fault-injection tests' preloaded hook)
              afterLiveWrite: liveWriteNotifier(),
            });
            progress.done();
            print.applied(r);
            if (r.problems.length) ctx.exitCode = EXIT.partial;
          }),
        );
      }),
    );

  rollback
    .command('approve')
    .description('approve the rollback plan to a point: records the plan digest and the approver in the journal')
    .argument('<point>', 'point ID, unique prefix, name, or latest')
    .requiredOption('--by <name>', 'who approves (a person or change board)')
    .option('--note <text>', 'change ticket or decision reference')
    .option('-c, --config <file>', `plan file (default: ./${DEFAULT_PLAN})`)
    .action(
      run(async (ctx, ref, o) => {
        const [{ rollbackApprove }, { rollbackApprovePrinter }] = await Promise.all([app(), printers()]);
        const plan = await planOf(o.config, true);
        const r = await withPlanRepository(ctx, plan, (repo) => rollbackApprove(repo, plan, ref, { env: ctx.io.env, signal: ctx.signal, approver: o.by, note: o.note }));
        choosePrinter(ctx, rollbackApprovePrinter)(r, o.by);
      }),
    );
};
