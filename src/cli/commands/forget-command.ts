/**
 * forget: remove snapshots by policy (restic's --keep-* options) or by ID; prints what is kept
 * and why, per group.
 */
import type { ForgetGroup, ForgetPolicy } from '../../app/index.js';
import { LifeboatError } from '../../core/index.js';
import { type CommandContext, addSnapshotFilterOptions, collect, snapshotFilter, warn, withRepository } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { renderTable, shortTime } from '../format.js';
import { printJson, printLine } from '../io.js';
import { addPruneOptions, runPrune } from './prune-command.js';
import type { Register } from '../action.js';

function count(value: string): number {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || n < -1) throw new LifeboatError('E_USAGE', `invalid count ${JSON.stringify(value)}: want a number (-1 = unlimited)`);
  return n;
}

export const registerForgetCommand: Register = (program, run) => {
  addSnapshotFilterOptions(addPruneOptions(
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
  )).action(
    run(async (ctx, ids, o) => {
      // forget keeps pinned restore points: its use-case brings the rollback code, loaded here only.
      const { forgetSnapshots, parseDuration, parseGroupBy, snapshotJson } = await import('../../app/index.js');
      const d = (v: string | undefined): ReturnType<typeof parseDuration> | undefined => (v ? parseDuration(v) : undefined);
      const policy: ForgetPolicy = {
        last: o.keepLast, hourly: o.keepHourly, daily: o.keepDaily, weekly: o.keepWeekly, monthly: o.keepMonthly, yearly: o.keepYearly,
        within: d(o.keepWithin), withinHourly: d(o.keepWithinHourly), withinDaily: d(o.keepWithinDaily),
        withinWeekly: d(o.keepWithinWeekly), withinMonthly: d(o.keepWithinMonthly), withinYearly: d(o.keepWithinYearly),
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
        if (ctx.flags.json) {
          printJson(ctx.io.stdout, groups.map((g) => ({
            host: g.host, paths: g.paths, tags: g.tags,
            keep: g.keep.map((k) => snapshotJson(k.entry)),
            remove: g.remove.map(snapshotJson),
            reasons: g.keep.map((k) => ({ snapshot: snapshotJson(k.entry), matches: k.reasons })),
            ...(g.unreadable ? { unreadable: g.unreadable } : {}),
          })));
        } else {
          printForgetGroups(ctx, groups, Boolean(o.dryRun));
        }
        if (o.prune && !o.dryRun) await runPrune(ctx, repo, o);
      });
    }),
  );
};

function printForgetGroups(ctx: CommandContext, groups: ForgetGroup[], dryRun: boolean): void {
  for (const g of groups) {
    const title = [g.host !== undefined ? `host [${g.host}]` : '', g.paths ? `paths [${g.paths.join(', ')}]` : '', g.tags ? `tags [${g.tags.join(', ')}]` : ''].filter(Boolean).join(', ');
    if (title) printLine(ctx.io.stdout, `snapshots for ${title}:`);
    if (g.unreadable) printLine(ctx.io.stdout, `nothing removed from this group: ${g.unreadable.map((id) => `snapshots/${id.slice(0, 8)}`).join(', ')} of it cannot be read`);
    if (g.keep.length) {
      printLine(ctx.io.stdout, `keep ${g.keep.length} snapshots:`);
      printLine(ctx.io.stdout, renderTable(['ID', 'Time', 'Host', 'Tags', 'Reasons'], g.keep.map((k) => [k.entry.id.slice(0, 8), shortTime(k.entry.snapshot.time), k.entry.snapshot.hostname ?? '', (k.entry.snapshot.tags ?? []).join(','), k.reasons.join(', ')])));
    }
    if (g.remove.length) {
      printLine(ctx.io.stdout, `${dryRun ? 'would remove' : 'removed'} ${g.remove.length} snapshots:`);
      printLine(ctx.io.stdout, renderTable(['ID', 'Time', 'Host', 'Tags'], g.remove.map((e) => [e.id.slice(0, 8), shortTime(e.snapshot.time), e.snapshot.hostname ?? '', (e.snapshot.tags ?? []).join(',')])));
    }
    printLine(ctx.io.stdout, '');
  }
}
