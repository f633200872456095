/**
 * Commands about snapshots as a whole: diff, find, tag, stats.
 */
import { Option } from '@commander-js/extra-typings';
import { addSnapshotFilterOptions, collect, snapshotFilter, withRepository } from '../command-context.js';
import { formatBytes, shortTime } from '../format.js';
import { printJson, printLine } from '../io.js';
import type { Register } from '../action.js';

const MARK = { added: '+', removed: '-', modified: 'M', type: 'T', metadata: 'U' } as const;

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
        await withRepository(ctx, async (repo) => {
          const d = await diffSnapshots(repo, a, b, ctx.signal);
          if (!ctx.flags.json && !ctx.flags.quiet) printLine(ctx.io.stdout, `comparing snapshot ${d.from.id.slice(0, 8)} to ${d.to.id.slice(0, 8)}:\n`);
          for await (const c of d.changes) {
            if (c.kind === 'metadata' && !metadata) continue;
            const suffix = (c.after ?? c.before)?.type === 'dir' ? '/' : '';
            if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'change', path: `${c.path.toString()}${suffix}`, modifier: MARK[c.kind] });
            else printLine(ctx.io.stdout, Buffer.concat([Buffer.from(`${MARK[c.kind]}    `), c.path, Buffer.from(suffix)]));
          }
          const s = d.stats;
          if (ctx.flags.json) {
            printJson(ctx.io.stdout, { message_type: 'statistics', source_snapshot: d.from.id, target_snapshot: d.to.id, added: s.added, removed: s.removed, changed: s.modified, type_changed: s.typeChanged, metadata_changed: s.metadata, added_bytes: s.addedBytes, removed_bytes: s.removedBytes });
          } else if (!ctx.flags.quiet) {
            printLine(ctx.io.stdout, `\nFiles and dirs: ${s.added} new, ${s.removed} removed, ${s.modified} changed, ${s.typeChanged} type changed, ${s.metadata} metadata only`);
            printLine(ctx.io.stdout, `Added: ${formatBytes(s.addedBytes)}  Removed: ${formatBytes(s.removedBytes)}`);
          }
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
      await withRepository(ctx, async (repo) => {
        const r = await tagSnapshots(repo, {
          snapshots: ids,
          filter: snapshotFilter(o),
          add: splitTags(o.add),
          remove: splitTags(o.remove),
          set: o.set ? splitTags(o.set) : undefined,
          signal: ctx.signal,
        });
        if (ctx.flags.json) printJson(ctx.io.stdout, r.changed);
        else if (!ctx.flags.quiet) {
          for (const c of r.changed) printLine(ctx.io.stdout, `snapshot ${c.from.slice(0, 8)} saved as ${c.to.slice(0, 8)} with tags [${c.tags.join(', ')}]`);
          printLine(ctx.io.stdout, `modified ${r.changed.length} snapshots`);
        }
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
      await withRepository(ctx, async (repo) => {
        const s = await snapshotStats(repo, { mode: o.mode, snapshots: ids, filter: snapshotFilter(o), signal: ctx.signal });
        if (ctx.flags.json) {
          printJson(ctx.io.stdout, { total_size: s.totalSize, total_file_count: s.files, ...(s.mode === 'raw-data' ? { total_blob_count: s.blobs } : {}), snapshots_count: s.snapshots });
        } else {
          printLine(ctx.io.stdout, `Stats in ${s.mode} mode:\n  Snapshots processed: ${s.snapshots}\n  Total file count: ${s.files}${s.mode === 'raw-data' ? `\n  Total blob count: ${s.blobs}` : ''}\n  Total size: ${formatBytes(s.totalSize)}`);
        }
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
      const { findInSnapshots, findNodeJson } = await import('../../app/find.js');
      await withRepository(ctx, async (repo) => {
        let current = '';
        // --json: restic's one array, an object per snapshot with matches
        const found: { matches: Record<string, unknown>[]; hits: number; snapshot: string }[] = [];
        for await (const m of findInSnapshots(repo, patterns, { filter: snapshotFilter(o), ignoreCase: o.ignoreCase, signal: ctx.signal })) {
          if (ctx.flags.json) {
            if (found.at(-1)?.snapshot !== m.snapshot.id) found.push({ matches: [], hits: 0, snapshot: m.snapshot.id });
            const group = found.at(-1)!;
            group.matches.push(findNodeJson(m.entry));
            group.hits++;
            continue;
          }
          if (m.snapshot.id !== current) {
            current = m.snapshot.id;
            printLine(ctx.io.stdout, `Found matching entries in snapshot ${current.slice(0, 8)} from ${shortTime(m.snapshot.snapshot.time)}`);
          }
          printLine(ctx.io.stdout, m.entry.path);
        }
        if (ctx.flags.json) printJson(ctx.io.stdout, found);
      });
    }),
  );
};
