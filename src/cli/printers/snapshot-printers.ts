/** Output of the commands about snapshots as a whole: diff, tag, stats, find (restic's text and JSON). */
import type { SnapshotEntry } from '../../app/index.js';
import type { DiffStats, SnapshotDiff } from '../../app/diff.js';
import { type FindMatch, findNodeJson } from '../../app/find.js';
import type { StatsResult } from '../../app/stats.js';
import type { TagResult } from '../../app/tag.js';
import { formatBytes, shortTime } from '../format.js';
import { printJson, printLine } from '../io.js';
import type { Printers } from './index.js';

const MARK = { added: '+', removed: '-', modified: 'M', type: 'T', metadata: 'U' } as const;

type DiffChange = SnapshotDiff['changes'] extends AsyncIterable<infer C> ? C : never;

export interface DiffPrinter {
  head(from: SnapshotEntry, to: SnapshotEntry): void;
  change(c: DiffChange): void;
  end(from: SnapshotEntry, to: SnapshotEntry, s: DiffStats): void;
}

const dirSuffix = (c: DiffChange): string => ((c.after ?? c.before)?.type === 'dir' ? '/' : '');

export const diffPrinter: Printers<DiffPrinter> = {
  text: (out) => ({
    head: (from, to) => {
      if (!out.quiet) printLine(out.stdout, `comparing snapshot ${from.id.slice(0, 8)} to ${to.id.slice(0, 8)}:\n`);
    },
    change: (c) => printLine(out.stdout, Buffer.concat([Buffer.from(`${MARK[c.kind]}    `), c.path, Buffer.from(dirSuffix(c))])),
    end: (_from, _to, s) => {
      if (out.quiet) return;
      printLine(out.stdout, `\nFiles and dirs: ${s.added} new, ${s.removed} removed, ${s.modified} changed, ${s.typeChanged} type changed, ${s.metadata} metadata only`);
      printLine(out.stdout, `Added: ${formatBytes(s.addedBytes)}  Removed: ${formatBytes(s.removedBytes)}`);
    },
  }),
  json: (out) => ({
    head: () => {},
    change: (c) => printJson(out.stdout, { message_type: 'change', path: `${c.path.toString()}${dirSuffix(c)}`, modifier: MARK[c.kind] }),
    end: (from, to, s) =>
      printJson(out.stdout, {
        message_type: 'statistics',
        source_snapshot: from.id,
        target_snapshot: to.id,
        added: s.added,
        removed: s.removed,
        changed: s.modified,
        type_changed: s.typeChanged,
        metadata_changed: s.metadata,
        added_bytes: s.addedBytes,
        removed_bytes: s.removedBytes,
      }),
  }),
};

export const tagPrinter: Printers<(r: TagResult) => void> = {
  text: (out) => (r) => {
    if (out.quiet) return;
    for (const c of r.changed) printLine(out.stdout, `snapshot ${c.from.slice(0, 8)} saved as ${c.to.slice(0, 8)} with tags [${c.tags.join(', ')}]`);
    printLine(out.stdout, `modified ${r.changed.length} snapshots`);
  },
  json: (out) => (r) => printJson(out.stdout, r.changed),
};

export const statsPrinter: Printers<(s: StatsResult) => void> = {
  text: (out) => (s) =>
    printLine(
      out.stdout,
      `Stats in ${s.mode} mode:\n  Snapshots processed: ${s.snapshots}\n  Total file count: ${s.files}${s.mode === 'raw-data' ? `\n  Total blob count: ${s.blobs}` : ''}\n  Total size: ${formatBytes(s.totalSize)}`,
    ),
  json: (out) => (s) => printJson(out.stdout, { total_size: s.totalSize, total_file_count: s.files, ...(s.mode === 'raw-data' ? { total_blob_count: s.blobs } : {}), snapshots_count: s.snapshots }),
};

export interface FindPrinter {
  match(m: FindMatch): void;
  end(): void;
}

export const findPrinter: Printers<FindPrinter> = {
  text: (out) => {
    let current = '';
    return {
      match: (m) => {
        if (m.snapshot.id !== current) {
          current = m.snapshot.id;
          printLine(out.stdout, `Found matching entries in snapshot ${current.slice(0, 8)} from ${shortTime(m.snapshot.snapshot.time)}`);
        }
        printLine(out.stdout, m.entry.path);
      },
      end: () => {},
    };
  },
  // restic's one array, an object per snapshot with matches, written at the end
  json: (out) => {
    const found: { matches: Record<string, unknown>[]; hits: number; snapshot: string }[] = [];
    return {
      match: (m) => {
        if (found.at(-1)?.snapshot !== m.snapshot.id) found.push({ matches: [], hits: 0, snapshot: m.snapshot.id });
        const group = found.at(-1)!;
        group.matches.push(findNodeJson(m.entry));
        group.hits++;
      },
      end: () => printJson(out.stdout, found),
    };
  },
};
