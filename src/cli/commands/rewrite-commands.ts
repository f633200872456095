/**
 * Commands that rewrite the repository's contents: rewrite (--exclude), repair snapshots and
 * repair packs. Output follows restic's: each snapshot as it is processed, what was done to it,
 * then a count.
 */
import { addSnapshotFilterOptions, collect, reportItemError, snapshotFilter, withRepository } from '../command-context.js';
import { choosePrinter } from '../printers/index.js';
import type { Register } from '../action.js';

export const registerRewriteCommands: Register = (program, run) => {
  addSnapshotFilterOptions(
    program
      .command('rewrite')
      .description('remove files from existing snapshots (each changed snapshot is saved anew; prune frees the data)')
      .argument('[snapshots...]', 'snapshots to rewrite (default: all that match the filters)')
      .option('-e, --exclude <pattern>', 'remove paths matching pattern (repeatable; as backup --exclude)', collect, [] as string[])
      .option('--iexclude <pattern>', 'like --exclude, ignoring case', collect, [] as string[])
      .option('--exclude-file <file>', 'read exclude patterns from a file (repeatable)', collect, [] as string[])
      .option('--iexclude-file <file>', 'like --exclude-file, ignoring case', collect, [] as string[])
      .option('--forget', 'remove the original snapshots after saving the new ones (else the new ones are tagged "rewrite")')
      .option('-n, --dry-run', 'only show what would be done'),
  ).action(
    run(async (ctx, ids, o) => {
      const { rewriteSnapshots } = await import('../../app/rewrite.js');
      const { rewritePrinter } = await import('../printers/rewrite-printers.js');
      const print = choosePrinter(ctx, rewritePrinter({ dryRun: Boolean(o.dryRun), forget: Boolean(o.forget) }));
      await withRepository(ctx, async (repo) => {
        const r = await rewriteSnapshots(repo, {
          snapshots: ids,
          filter: snapshotFilter(o),
          exclude: o.exclude,
          iexclude: o.iexclude,
          excludeFile: o.excludeFile,
          iexcludeFile: o.iexcludeFile,
          forget: o.forget,
          dryRun: o.dryRun,
          signal: ctx.signal,
          onSnapshot: (e) => print.snapshot(e),
          onOutcome: (outcome) => print.outcome(outcome),
          onExclude: (path) => print.excluded(path),
        });
        print.summary(r);
      });
    }),
  );
};

/** `repair snapshots`, registered under the `repair` command. */
export const registerRepairSnapshots: Register = (repair, run) => {
  addSnapshotFilterOptions(
    repair
      .command('snapshots')
      .description('rewrite snapshots that reference missing data: files keep their readable blobs, unreadable directories become empty (run repair index first)')
      .argument('[snapshots...]', 'snapshots to repair (default: all that match the filters)')
      .option('--forget', 'remove the original snapshots after saving the repaired ones (else the new ones are tagged "repaired")')
      .option('-n, --dry-run', 'only show what would be done'),
  ).action(
    run(async (ctx, ids, o) => {
      const { repairSnapshots } = await import('../../app/repair.js');
      const { rewritePrinter } = await import('../printers/rewrite-printers.js');
      const print = choosePrinter(ctx, rewritePrinter({ dryRun: Boolean(o.dryRun), forget: Boolean(o.forget) }));
      await withRepository(ctx, async (repo) => {
        const r = await repairSnapshots(repo, {
          snapshots: ids,
          filter: snapshotFilter(o),
          forget: o.forget,
          dryRun: o.dryRun,
          signal: ctx.signal,
          onSnapshot: (e) => print.snapshot(e),
          onOutcome: (outcome) => print.outcome(outcome),
          onRepair: (e) => print.repaired(e),
        });
        print.summary(r);
      });
    }),
  );
};

/** `repair packs`, registered under the `repair` command. */
export const registerRepairPacks: Register = (repair, run) => {
  repair
    .command('packs')
    .description('salvage the intact blobs of damaged packs into new packs, then remove the damaged packs (copies are kept in the current directory)')
    .argument('<ids...>', 'pack IDs, as check --read-data names them')
    .action(
      run(async (ctx, ids) => {
        const { repairPacks } = await import('../../app/repair-packs.js');
        const { repairPacksPrinter } = await import('../printers/rewrite-printers.js');
        const print = choosePrinter(ctx, repairPacksPrinter);
        await withRepository(ctx, async (repo) => {
          print.start();
          const r = await repairPacks(repo, {
            packs: ids,
            backupDir: process.cwd(),
            signal: ctx.signal,
            onBlobError: (pack, blob, err) => reportItemError(ctx, `pack ${pack.slice(0, 8)} blob ${blob}`, err),
          });
          print.summary(r);
        });
      }),
    );
};
