/** Output of `snapshots`: restic's table (per group with --group-by) or its JSON array. */
import type { SnapshotEntry } from '../../app/index.js';
import { type SnapshotGroupKey, groupHeader, groupKeyJson, snapshotJson } from '../../app/snapshots.js';
import { renderTable, shortTime } from '../format.js';
import { printJson, printLine } from '../io.js';
import type { PrintTarget, Printers } from './index.js';

export interface SnapshotsListing {
  entries: SnapshotEntry[];
  /** Present with --group-by. */
  groups?: { key: SnapshotGroupKey; entries: SnapshotEntry[] }[];
}

function table(out: PrintTarget, list: SnapshotEntry[]): void {
  const rows = list.map((e) => [e.id.slice(0, 8), shortTime(e.snapshot.time), e.snapshot.hostname ?? '', (e.snapshot.tags ?? []).join(','), e.snapshot.paths.join(', ')]);
  printLine(out.stdout, renderTable(['ID', 'Time', 'Host', 'Tags', 'Paths'], rows));
  printLine(out.stdout, `${list.length} snapshots`);
}

export const snapshotsPrinter: Printers<(r: SnapshotsListing) => void> = {
  text: (out) => (r) => {
    if (!r.groups) return table(out, r.entries);
    for (const g of r.groups) {
      printLine(out.stdout, groupHeader(g.key));
      table(out, g.entries);
    }
  },
  json: (out) => (r) => {
    if (r.groups)
      printJson(
        out.stdout,
        r.groups.map((g) => ({ group_key: groupKeyJson(g.key), snapshots: g.entries.map(snapshotJson) })),
      );
    else printJson(out.stdout, r.entries.map(snapshotJson));
  },
};
