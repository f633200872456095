/** Output of `forget` (what is kept and why, per group) and `prune` (what is used, what goes). */
import type { ForgetGroup, PruneStats } from '../../app/index.js';
import { snapshotJson } from '../../app/snapshots.js';
import { formatBytes, renderTable, shortTime } from '../format.js';
import { printJson, printLine } from '../io.js';
import type { PrintTarget, Printers } from './index.js';

export interface ForgetOutcome {
  groups: ForgetGroup[];
  dryRun: boolean;
}

function forgetGroupText(out: PrintTarget, g: ForgetGroup, dryRun: boolean): void {
  const title = [g.host !== undefined ? `host [${g.host}]` : '', g.paths ? `paths [${g.paths.join(', ')}]` : '', g.tags ? `tags [${g.tags.join(', ')}]` : ''].filter(Boolean).join(', ');
  if (title) printLine(out.stdout, `snapshots for ${title}:`);
  if (g.unreadable) printLine(out.stdout, `nothing removed from this group: ${g.unreadable.map((id) => `snapshots/${id.slice(0, 8)}`).join(', ')} of it cannot be read`);
  if (g.keep.length) {
    printLine(out.stdout, `keep ${g.keep.length} snapshots:`);
    printLine(
      out.stdout,
      renderTable(
        ['ID', 'Time', 'Host', 'Tags', 'Reasons'],
        g.keep.map((k) => [k.entry.id.slice(0, 8), shortTime(k.entry.snapshot.time), k.entry.snapshot.hostname ?? '', (k.entry.snapshot.tags ?? []).join(','), k.reasons.join(', ')]),
      ),
    );
  }
  if (g.remove.length) {
    printLine(out.stdout, `${dryRun ? 'would remove' : 'removed'} ${g.remove.length} snapshots:`);
    printLine(
      out.stdout,
      renderTable(
        ['ID', 'Time', 'Host', 'Tags'],
        g.remove.map((e) => [e.id.slice(0, 8), shortTime(e.snapshot.time), e.snapshot.hostname ?? '', (e.snapshot.tags ?? []).join(',')]),
      ),
    );
  }
  for (const id of g.removeUnreadable ?? []) printLine(out.stdout, `${dryRun ? 'would remove' : 'removed'} unreadable snapshot file snapshots/${id}`);
  printLine(out.stdout, '');
}

export const forgetPrinter: Printers<(r: ForgetOutcome) => void> = {
  text: (out) => (r) => {
    for (const g of r.groups) forgetGroupText(out, g, r.dryRun);
  },
  json: (out) => (r) =>
    printJson(
      out.stdout,
      r.groups.map((g) => ({
        host: g.host,
        paths: g.paths,
        tags: g.tags,
        keep: g.keep.map((k) => snapshotJson(k.entry)),
        remove: g.remove.map(snapshotJson),
        reasons: g.keep.map((k) => ({ snapshot: snapshotJson(k.entry), matches: k.reasons })),
        ...(g.unreadable ? { unreadable: g.unreadable } : {}),
        ...(g.removeUnreadable ? { remove_unreadable: g.removeUnreadable } : {}),
      })),
    ),
};

export interface PruneOutcome {
  stats: PruneStats;
  dryRun: boolean;
}

export const prunePrinter: Printers<(r: PruneOutcome) => void> = {
  text:
    (out) =>
    ({ stats, dryRun }) => {
      if (out.quiet) return;
      const verb = dryRun ? 'would' : 'did';
      printLine(out.stdout, `used:   ${stats.usedBlobs} blobs / ${formatBytes(stats.usedBytes)}`);
      printLine(out.stdout, `unused: ${stats.unusedBlobs} blobs / ${formatBytes(stats.unusedBytes)} (${stats.duplicateBlobs} duplicates)`);
      printLine(
        out.stdout,
        `${verb} delete ${stats.packsToDelete} packs, repack ${stats.packsToRepack} packs (${formatBytes(stats.bytesToRepack)}), remove ${stats.unindexedPacks} unindexed packs; frees ${formatBytes(stats.bytesFreed)}`,
      );
      if (stats.staleTemporaries > 0) {
        printLine(out.stdout, `${verb} remove ${stats.staleTemporaries} temporary files of interrupted saves older than an hour (${formatBytes(stats.staleTemporaryBytes)})`);
      }
    },
  json:
    (out) =>
    ({ stats, dryRun }) =>
      printJson(out.stdout, { message_type: 'prune', dry_run: dryRun, ...stats }),
};
