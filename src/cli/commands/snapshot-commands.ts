/**
 * Commands about snapshots as a whole: diff, find, tag, stats.
 */
import { Option } from '@commander-js/extra-typings';
import { addSnapshotFilterOptions, collect, snapshotFilter, withRepository } from '../command-context.js';
import { choosePrinter } from '../printers/index.js';
import type { Register } from '../action.js';

const splitTags = (list: string[]): string[] => list.flatMap((t) => t.split(',')).filter(Boolean);

export const registerSnapshotCommands: Register = (program, run) => {
  program
    .command('diff')
    .description('show what changed between two snapshots: + added, - removed, M modified, T type changed, U metadata')
    .argument('<snapshot1>')
    .argument('<snapshot2>')
    .option('--metadata', 'also list entries whose metadata (mode, time, owner, xattrs) changed')
    .action(
      run(async (ctx, a, b, { metadata }) => {
        const { diffSnapshots } = await import('../../app/diff.js');
        const { diffPrinter } = await import('../printers/snapshot-printers.js');
        await withRepository(ctx, async (repo) => {
          const d = await diffSnapshots(repo, a, b, ctx.signal);
          const print = choosePrinter(ctx, diffPrinter);
          print.head(d.from, d.to);
          for await (const c of d.changes) {
            if (c.kind === 'metadata' && !metadata) continue;
            print.change(c);
          }
          print.end(d.from, d.to, d.stats);
        });
      }),
    );

  addSnapshotFilterOptions(
    program
      .command('tag')
      .description('add, remove or set tags of snapshots (each changed snapshot is rewritten)')
      .argument('[snapshots...]', 'snapshots (default: all that match the filters)')
      .option('--add <tags>', 'tags to add (comma-separated, repeatable)', collect, [])
      .option('--remove <tags>', 'tags to remove (comma-separated, repeatable)', collect, [])
      .option('--set <tags>', 'replace all tags (comma-separated, repeatable)', (v: string, prev?: string[]) => [...(prev ?? []), v]),
  ).action(
    run(async (ctx, ids, o) => {
      const { tagSnapshots } = await import('../../app/tag.js');
      const { tagPrinter } = await import('../printers/snapshot-printers.js');
      await withRepository(ctx, async (repo) => {
        const r = await tagSnapshots(repo, {
          snapshots: ids,
          filter: snapshotFilter(o),
          add: splitTags(o.add),
          remove: splitTags(o.remove),
          set: o.set ? splitTags(o.set) : undefined,
          signal: ctx.signal,
        });
        choosePrinter(ctx, tagPrinter)(r);
      });
    }),
  );

  addSnapshotFilterOptions(
    program
      .command('stats')
      .description('sizes of snapshots: restore-size (files as restored) or raw-data (unique blobs as stored)')
      .argument('[snapshots...]', 'snapshots (default: all that match the filters)')
      .addOption(new Option('--mode <mode>', 'what to count').choices(['restore-size', 'raw-data']).default('restore-size')),
  ).action(
    run(async (ctx, ids, o) => {
      const { snapshotStats } = await import('../../app/stats.js');
      const { statsPrinter } = await import('../printers/snapshot-printers.js');
      await withRepository(ctx, async (repo) => {
        const s = await snapshotStats(repo, { mode: o.mode, snapshots: ids, filter: snapshotFilter(o), signal: ctx.signal });
        choosePrinter(ctx, statsPrinter)(s);
      });
    }),
  );

  addSnapshotFilterOptions(
    program
      .command('find')
      .description("find files and directories by name in all snapshots ('*.conf', or a path pattern with '/')")
      .argument('<patterns...>')
      .option('-i, --ignore-case', 'ignore case'),
  ).action(
    run(async (ctx, patterns, o) => {
      const { findInSnapshots } = await import('../../app/find.js');
      const { findPrinter } = await import('../printers/snapshot-printers.js');
      await withRepository(ctx, async (repo) => {
        const print = choosePrinter(ctx, findPrinter);
        for await (const m of findInSnapshots(repo, patterns, { filter: snapshotFilter(o), ignoreCase: o.ignoreCase, signal: ctx.signal })) print.match(m);
        print.end();
      });
    }),
  );
};
