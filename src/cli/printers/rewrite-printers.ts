/**
 * Output of the commands that rewrite snapshots (rewrite, repair snapshots) and of repair packs,
 * as restic prints them: each snapshot as it is processed, what was done to it, then a count.
 */
import type { RepairPacksResult, SnapshotEntry, SnapshotRepairEvent, SnapshotRewriteOutcome, SnapshotRewriteResult } from '../../app/index.js';
import { printJson, printLine } from '../io.js';
import type { Printers } from './index.js';

export interface RewritePrinter {
  snapshot(e: SnapshotEntry): void;
  outcome(o: SnapshotRewriteOutcome | { action: 'unchanged' }): void;
  /** rewrite: a path removed from the snapshot. */
  excluded(path: string): void;
  /** repair snapshots: what was done to a path. */
  repaired(e: SnapshotRepairEvent): void;
  summary(r: SnapshotRewriteResult): void;
}

const describe = (e: SnapshotEntry): string =>
  `snapshot ${e.id.slice(0, 8)} of [${e.snapshot.paths.join(' ')}] at ${e.snapshot.time}${e.snapshot.hostname ? ` by ${e.snapshot.username ? `${e.snapshot.username}@` : ''}${e.snapshot.hostname}` : ''}`;

const REPAIR_WORDS = {
  'removed-content': 'removed missing content',
  'fixed-size': 'fixed incorrect size',
  'removed-node': 'removed node with invalid type',
  'emptied-dir': 'replaced with empty directory',
  'unreadable-root': 'not readable',
} as const;

/** The printer of rewrite and repair snapshots; their wording depends on --dry-run and --forget. */
export function rewritePrinter(options: { dryRun: boolean; forget: boolean }): Printers<RewritePrinter> {
  const { dryRun, forget } = options;
  return {
    text: (out) => {
      const line = (s: string): void => {
        if (!out.quiet) printLine(out.stdout, s);
      };
      return {
        snapshot: (e) => line(`\n${describe(e)}`),
        outcome: (o) => {
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
        excluded: (path) => line(`excluding ${path}`),
        repaired: (e) => line(`  ${e.kind === 'emptied-dir' || e.kind === 'unreadable-root' ? 'dir' : 'file'} ${JSON.stringify(e.path)}: ${REPAIR_WORDS[e.kind]}`),
        summary: (r) => {
          if (out.quiet) return;
          const n = r.changed.length;
          printLine(out.stdout, '');
          if (n === 0) printLine(out.stdout, r.dryRun ? 'no snapshots would be modified' : 'no snapshots were modified');
          else printLine(out.stdout, r.dryRun ? `would modify ${n} snapshots` : `modified ${n} snapshots`);
        },
      };
    },
    json: (out) => ({
      snapshot: () => {},
      outcome: () => {},
      excluded: () => {},
      repaired: (e) => printJson(out.stdout, { message_type: 'repair', path: e.path, kind: e.kind }),
      summary: (r) =>
        printJson(out.stdout, {
          message_type: 'summary',
          dry_run: r.dryRun,
          changed: r.changed.map((c) => ({ from: c.from, to: c.to ?? null, action: c.action, forgotten: c.forgotten })),
          unchanged: r.unchanged,
        }),
    }),
  };
}

export interface RepairPacksPrinter {
  start(): void;
  summary(r: RepairPacksResult): void;
}

export const repairPacksPrinter: Printers<RepairPacksPrinter> = {
  text: (out) => {
    const say = (s: string): void => {
      if (!out.quiet) out.stderr.write(`${s}\n`);
    };
    return {
      start: () => say('saving backup copies of pack files in the current directory; salvaging intact data from them'),
      summary: (r) => {
        for (const id of r.unindexed) say(`no blobs found for pack ${id}`);
        if (out.quiet) return;
        printLine(out.stdout, `salvaged ${r.salvaged} blobs, lost ${r.lost.length}; removed ${r.packsRemoved} packs (copies: ${r.backups.join(', ') || 'none'})`);
        if (r.lost.length) printLine(out.stdout, '\nUse `lifeboat repair snapshots --forget` to remove the lost blobs from all snapshots');
      },
    };
  },
  json: (out) => ({
    start: () => {},
    summary: (r) =>
      printJson(out.stdout, {
        message_type: 'summary',
        backups: r.backups,
        salvaged: r.salvaged,
        lost: r.lost,
        unindexed: r.unindexed,
        index_files_rewritten: r.indexFilesRewritten,
        packs_removed: r.packsRemoved,
      }),
  }),
};
