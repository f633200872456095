/**
 * Read-side commands: snapshots, ls, restore, dump, cat.
 */
import { Argument, Option } from '@commander-js/extra-typings';
import { CAT_KINDS } from '../../app/cat.js';
import type { Register } from '../action.js';
import { addSnapshotFilterOptions, collect, reportItemError, snapshotFilter, warn, withRepository } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { formatBytes, formatDuration } from '../format.js';
import { choosePrinter } from '../printers/index.js';
import { ProgressReporter, eta } from '../progress.js';

export const registerReadCommands: Register = (program, run) => {
  addSnapshotFilterOptions(
    program
      .command('snapshots')
      .description('list snapshots (oldest first)')
      .option('--latest <n>', 'only the newest N snapshots per host and path set', (v) => Number.parseInt(v, 10))
      .option('-g, --group-by <fields>', 'group snapshots by host, paths and/or tags (comma-separated), as restic'),
  ).action(
    run(async (ctx, opts) => {
      const { groupSnapshots, latestPerGroup, listSnapshots, parseGroupBy, unreadableSnapshotWarning } = await import('../../app/snapshots.js');
      const { snapshotsPrinter } = await import('../printers/snapshots-printer.js');
      const groupBy = opts.groupBy === undefined ? undefined : parseGroupBy(opts.groupBy);
      await withRepository(ctx, async (repo) => {
        let entries = await listSnapshots(repo, snapshotFilter(opts), {
          signal: ctx.signal,
          // listed without it, named, exit 3 (restic 0.14 warns the same way and exits 0)
          onError: (id, err) => {
            warn(ctx, unreadableSnapshotWarning(id, err));
            ctx.exitCode = EXIT.partial;
          },
        });
        if (opts.latest !== undefined) entries = latestPerGroup(entries, opts.latest);
        const groups = groupBy ? [...groupSnapshots(entries, groupBy).values()] : undefined;
        choosePrinter(ctx, snapshotsPrinter)({ entries, groups });
      });
    }),
  );

  addSnapshotFilterOptions(
    program
      .command('ls')
      .description('list files in a snapshot: everything (recursively), or the directories named and their entries')
      .argument('<snapshot>', "snapshot ID, unique prefix or 'latest', optionally SNAPSHOT:PATH (that path, recursively)")
      .argument('[dirs...]', 'absolute directories: list each and its entries, as restic ls (with --recursive: all below)')
      .option('-l, --long', 'long listing: mode, owner, size, time')
      .option('--recursive', 'with directories: list everything below them')
      .option('--no-recursive', 'do not descend into directories'),
  ).action(
    run(async (ctx, snapshotArg, dirList, opts) => {
      const { splitSnapshotArg } = await import('../../app/snapshot-ref.js');
      const { listSnapshot, listSnapshotDirs } = await import('../../app/ls.js');
      const { lsPrinter } = await import('../printers/ls-printer.js');
      const { ref, path } = splitSnapshotArg(snapshotArg);
      await withRepository(ctx, async (repo) => {
        const listing = dirList.length
          ? await listSnapshotDirs(repo, {
              snapshot: ref,
              dirs: path === undefined ? dirList : dirList.map((d) => `${path.replace(/\/+$/, '')}/${d.replace(/^\/+/, '')}`),
              filter: snapshotFilter(opts),
              recursive: opts.recursive,
              signal: ctx.signal,
            })
          : await listSnapshot(repo, { snapshot: ref, path, filter: snapshotFilter(opts), recursive: opts.recursive ?? true, signal: ctx.signal });
        const print = choosePrinter(ctx, lsPrinter(Boolean(opts.long)));
        print.head(listing.entry, dirList);
        for await (const e of listing.entries) print.entry(e);
      });
    }),
  );

  addSnapshotFilterOptions(
    program
      .command('restore')
      .description('restore a snapshot (or SNAPSHOT:SUBPATH) into a directory')
      .argument('<snapshot>', "snapshot ID, unique prefix or 'latest', optionally SNAPSHOT:SUBPATH")
      .requiredOption('-t, --target <dir>', 'directory to restore into (created if missing)')
      .option('-i, --include <pattern>', 'restore only paths matching pattern (repeatable)', collect, [] as string[])
      .option('-e, --exclude <pattern>', 'do not restore paths matching pattern (repeatable)', collect, [] as string[])
      .option('--iinclude <pattern>', 'like --include, ignoring case', collect, [] as string[])
      .option('--iexclude <pattern>', 'like --exclude, ignoring case', collect, [] as string[])
      .option('--dry-run', 'only show what would be restored')
      .option('--verify', 'read restored files back and check them against the snapshot')
      .option('--no-sparse', 'write zero blocks instead of leaving holes')
      .addOption(
        new Option(
          '--overwrite <when>',
          'existing files: always (made equal to the snapshot, content compared), if-changed (size and mtime equal: taken as unchanged), if-newer (only when the snapshot is newer), never',
        )
          .choices(['always', 'if-changed', 'if-newer', 'never'] as const)
          .default('always'),
      )
      .option('--delete', 'remove files and directories of the target that are not in the snapshot (excluded ones stay)')
      .option('-v, --verbose', 'list each action on an entry (restored, updated, unchanged, skipped, deleted); with --dry-run, what would be done'),
  ).action(
    run(async (ctx, snapshotArg, opts) => {
      const { splitSnapshotArg } = await import('../../app/snapshot-ref.js');
      const { restoreSnapshot } = await import('../../app/restore.js');
      const { restorePrinter } = await import('../printers/read-printers.js');
      const print = choosePrinter(
        ctx,
        restorePrinter({
          target: opts.target,
          dryRun: Boolean(opts.dryRun),
          verify: Boolean(opts.verify),
          overwrite: opts.overwrite,
          verbose: Boolean(opts.verbose) || (ctx.flags.verbose ?? 0) > 0,
        }),
      );
      const { ref, path } = splitSnapshotArg(snapshotArg);
      await withRepository(ctx, async (repo) => {
        const progress = new ProgressReporter(ctx, (p, elapsed) => {
          const pct = p.bytesTotal ? ((100 * p.bytesDone) / p.bytesTotal).toFixed(1) : '0.0';
          const left = eta(p.bytesDone, p.bytesTotal, elapsed);
          return `[${formatDuration(elapsed)}] ${pct}%  ${p.filesDone} / ${p.filesTotal} files  ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal ?? 0)}${left !== undefined ? `  ETA ${formatDuration(left)}` : ''}`;
        });
        const started = Date.now();
        const result = await restoreSnapshot(repo, {
          snapshot: ref,
          path,
          filter: snapshotFilter(opts),
          target: opts.target,
          include: opts.include,
          exclude: opts.exclude,
          iinclude: opts.iinclude,
          iexclude: opts.iexclude,
          dryRun: opts.dryRun,
          verify: opts.verify,
          sparse: opts.sparse,
          overwrite: opts.overwrite,
          delete: opts.delete,
          onAction: print.action,
          signal: ctx.signal,
          onProgress: (p) => progress.update(p),
          onError: (item, err) => reportItemError(ctx, item, err),
          onWarning: (message) => warn(ctx, message),
        });
        progress.done();
        print.summary(result, (Date.now() - started) / 1000);
        if (result.errors > 0) ctx.exitCode = EXIT.error;
      });
    }),
  );

  addSnapshotFilterOptions(
    program
      .command('dump')
      .description('write a file of a snapshot to stdout, or a directory as a tar archive')
      .argument('<snapshot>', "snapshot ID, unique prefix or 'latest'")
      .argument('<path>', 'path inside the snapshot ("/" for everything)'),
  ).action(
    run(async (ctx, ref, path, opts) => {
      const { dumpPath } = await import('../../app/dump.js');
      await withRepository(ctx, (repo) => dumpPath(repo, { snapshot: ref, path, filter: snapshotFilter(opts), signal: ctx.signal }, ctx.io.stdout));
    }),
  );

  program
    .command('cat')
    .description('print a repository object: config, index ID, snapshot ID, key ID, pack ID, blob ID, tree ID')
    .addArgument(new Argument('<type>', 'object type').choices(CAT_KINDS))
    .argument('[id]', 'ID (or unique prefix for snapshot, key and pack)')
    .action(
      run(async (ctx, kind, id) => {
        const { catObject } = await import('../../app/cat.js');
        const { catPrinter } = await import('../printers/read-printers.js');
        const print = choosePrinter(ctx, catPrinter);
        await withRepository(ctx, async (repo) => print(await catObject(repo, kind, id, ctx.signal)));
      }),
    );
};
