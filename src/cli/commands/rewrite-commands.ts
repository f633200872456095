/**
 * Commands that rewrite the repository's contents: rewrite (--exclude), repair snapshots and
 * repair packs. Output follows restic's: each snapshot as it is processed, what was done to it,
 * then a count.
 */
import type { SnapshotEntry, SnapshotRewriteRequest, SnapshotRewriteResult } from '../../app/index.js';
import { type CommandContext, addSnapshotFilterOptions, collect, reportItemError, snapshotFilter, withRepository } from '../command-context.js';

import { printJson, printLine } from '../io.js';
import type { Register } from '../action.js';

const describe = (e: SnapshotEntry): string =>
  `snapshot ${e.id.slice(0, 8)} of [${e.snapshot.paths.join(' ')}] at ${e.snapshot.time}${e.snapshot.hostname ? ` by ${e.snapshot.username ? `${e.snapshot.username}@` : ''}${e.snapshot.hostname}` : ''}`;

/** The callbacks that print progress as restic does (nothing with --json or --quiet). */
function printers(ctx: CommandContext, dryRun: boolean, forget: boolean): Pick<SnapshotRewriteRequest, 'onSnapshot' | 'onOutcome'> & { line: (s: string) => void } {
  const line = (s: string): void => {
    if (!ctx.flags.json && !ctx.flags.quiet) printLine(ctx.io.stdout, s);
  };
  return {
    line,
    onSnapshot: (e) => line(`\n${describe(e)}`),
    onOutcome: (o) => {
      if (o.action === 'unchanged') return;
      if (o.action === 'removed') line(dryRun ? 'would delete empty snapshot' : `removed empty snapshot ${o.from.slice(0, 8)}`);
      else if (dryRun) {
        line('would save new snapshot');
        if (forget) line('would remove old snapshot');
      } else {
        line(`saved new snapshot ${o.to!.slice(0, 8)}`);
        if (forget) line(`removed old snapshot ${o.from.slice(0, 8)}`);
      }
    },
  };
}

/** The final count (restic's wording), or one JSON summary line. */
function printOutcome(ctx: CommandContext, r: SnapshotRewriteResult): void {
  if (ctx.flags.json) {
    printJson(ctx.io.stdout, {
      message_type: 'summary',
      dry_run: r.dryRun,
      changed: r.changed.map((c) => ({ from: c.from, to: c.to ?? null, action: c.action, forgotten: c.forgotten })),
      unchanged: r.unchanged,
    });
    return;
  }
  if (ctx.flags.quiet) return;
  const n = r.changed.length;
  printLine(ctx.io.stdout, '');
  if (n === 0) printLine(ctx.io.stdout, r.dryRun ? 'no snapshots would be modified' : 'no snapshots were modified');
  else printLine(ctx.io.stdout, r.dryRun ? `would modify ${n} snapshots` : `modified ${n} snapshots`);
}

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
      const p = printers(ctx, Boolean(o.dryRun), Boolean(o.forget));
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
          onSnapshot: p.onSnapshot,
          onOutcome: p.onOutcome,
          onExclude: (path) => p.line(`excluding ${path}`),
        });
        printOutcome(ctx, r);
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
      const p = printers(ctx, Boolean(o.dryRun), Boolean(o.forget));
      const words = {
        'removed-content': 'removed missing content',
        'fixed-size': 'fixed incorrect size',
        'removed-node': 'removed node with invalid type',
        'emptied-dir': 'replaced with empty directory',
        'unreadable-root': 'not readable',
      } as const;
      await withRepository(ctx, async (repo) => {
        const r = await repairSnapshots(repo, {
          snapshots: ids,
          filter: snapshotFilter(o),
          forget: o.forget,
          dryRun: o.dryRun,
          signal: ctx.signal,
          onSnapshot: p.onSnapshot,
          onOutcome: p.onOutcome,
          onRepair: (e) => {
            const kind = e.kind === 'emptied-dir' || e.kind === 'unreadable-root' ? 'dir' : 'file';
            if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'repair', path: e.path, kind: e.kind });
            else p.line(`  ${kind} ${JSON.stringify(e.path)}: ${words[e.kind]}`);
          },
        });
        printOutcome(ctx, r);
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
        const say = (s: string): void => {
          if (!ctx.flags.json && !ctx.flags.quiet) ctx.io.stderr.write(`${s}\n`);
        };
        await withRepository(ctx, async (repo) => {
          say('saving backup copies of pack files in the current directory; salvaging intact data from them');
          const r = await repairPacks(repo, {
            packs: ids,
            backupDir: process.cwd(),
            signal: ctx.signal,
            onBlobError: (pack, blob, err) => reportItemError(ctx, `pack ${pack.slice(0, 8)} blob ${blob}`, err),
          });
          for (const id of r.unindexed) say(`no blobs found for pack ${id}`);
          if (ctx.flags.json) {
            printJson(ctx.io.stdout, {
              message_type: 'summary',
              backups: r.backups,
              salvaged: r.salvaged,
              lost: r.lost,
              unindexed: r.unindexed,
              index_files_rewritten: r.indexFilesRewritten,
              packs_removed: r.packsRemoved,
            });
            return;
          }
          if (ctx.flags.quiet) return;
          printLine(ctx.io.stdout, `salvaged ${r.salvaged} blobs, lost ${r.lost.length}; removed ${r.packsRemoved} packs (copies: ${r.backups.join(', ') || 'none'})`);
          if (r.lost.length) printLine(ctx.io.stdout, '\nUse `lifeboat repair snapshots --forget` to remove the lost blobs from all snapshots');
        });
      }),
    );
};
