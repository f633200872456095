/**
 * forget: remove snapshots by policy (restic's --keep-* options) or by ID; prints what is kept
 * and why, per group.
 */
import type { ForgetPolicy } from '../../app/index.js';
import { LifeboatError } from '../../core/index.js';
import { addSnapshotFilterOptions, collect, snapshotFilter, warn, withRepository } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { choosePrinter } from '../printers/index.js';
import { addPruneOptions, runPrune } from './prune-command.js';
import type { Register } from '../action.js';

function count(value: string): number {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || n < -1) throw new LifeboatError('E_USAGE', `invalid count ${JSON.stringify(value)}: want a number (-1 = unlimited)`);
  return n;
}

export const registerForgetCommand: Register = (program, run) => {
  addSnapshotFilterOptions(
    addPruneOptions(
      program
        .command('forget')
        .description('remove snapshots by policy or by ID (the data stays until a prune)')
        .argument('[snapshots...]', 'snapshots to forget (instead of a policy)')
        .option('-l, --keep-last <n>', 'keep the newest n snapshots', count)
        .option('--keep-hourly <n>', 'keep the newest snapshot of each of the last n hours that have one', count)
        .option('-d, --keep-daily <n>', 'keep one snapshot per day for the last n days that have one', count)
        .option('-w, --keep-weekly <n>', 'keep one snapshot per ISO week for n weeks', count)
        .option('-m, --keep-monthly <n>', 'keep one snapshot per month for n months', count)
        .option('-y, --keep-yearly <n>', 'keep one snapshot per year for n years', count)
        .option('--keep-within <duration>', 'keep snapshots newer than duration (e.g. 1y5m7d2h) before the newest')
        .option('--keep-within-hourly <duration>', 'keep hourly snapshots within duration')
        .option('--keep-within-daily <duration>', 'keep daily snapshots within duration')
        .option('--keep-within-weekly <duration>', 'keep weekly snapshots within duration')
        .option('--keep-within-monthly <duration>', 'keep monthly snapshots within duration')
        .option('--keep-within-yearly <duration>', 'keep yearly snapshots within duration')
        .option('--keep-tag <tags>', 'keep snapshots with these comma-separated tags (repeatable)', collect, [] as string[])
        .option('-g, --group-by <fields>', 'group snapshots by host, paths and/or tags', 'host,paths')
        .option('-n, --dry-run', 'only show what would be removed')
        .option('--prune', 'prune right after forgetting (see `lifeboat prune`)'),
    ),
  ).action(
    run(async (ctx, ids, o) => {
      // forget keeps pinned restore points: its use-case brings the rollback code, loaded here only.
      const { forgetSnapshots, parseDuration, parseGroupBy } = await import('../../app/index.js');
      const { forgetPrinter } = await import('../printers/forget-prune-printers.js');
      const d = (v: string | undefined): ReturnType<typeof parseDuration> | undefined => (v ? parseDuration(v) : undefined);
      const policy: ForgetPolicy = {
        last: o.keepLast,
        hourly: o.keepHourly,
        daily: o.keepDaily,
        weekly: o.keepWeekly,
        monthly: o.keepMonthly,
        yearly: o.keepYearly,
        within: d(o.keepWithin),
        withinHourly: d(o.keepWithinHourly),
        withinDaily: d(o.keepWithinDaily),
        withinWeekly: d(o.keepWithinWeekly),
        withinMonthly: d(o.keepWithinMonthly),
        withinYearly: d(o.keepWithinYearly),
        tags: o.keepTag.map((t) => t.split(',').filter(Boolean)),
      };
      await withRepository(ctx, async (repo) => {
        const groups = await forgetSnapshots(repo, {
          policy,
          snapshots: ids,
          groupBy: parseGroupBy(o.groupBy),
          filter: snapshotFilter(o),
          dryRun: o.dryRun,
          signal: ctx.signal,
          onWarning: (message) => {
            warn(ctx, message);
            ctx.exitCode = EXIT.partial;
          },
        });
        choosePrinter(ctx, forgetPrinter)({ groups, dryRun: Boolean(o.dryRun) });
        if (o.prune && !o.dryRun) await runPrune(ctx, repo, o);
      });
    }),
  );
};
