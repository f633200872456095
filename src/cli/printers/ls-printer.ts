/** Output of `ls`: restic's header on stderr and one line per entry (-l: long form), or JSON lines. */
import type { SnapshotEntry } from '../../app/index.js';
import { type LsListing, lsModeString, lsNodeJson, lsSnapshotJson } from '../../app/ls.js';
import { shortTime } from '../format.js';
import { printJson, printLine } from '../io.js';
import type { Printers } from './index.js';

type LsEntry = LsListing['entries'] extends AsyncIterable<infer E> ? E : never;

export interface LsPrinter {
  /** The snapshot listed; `dirs` are the directories asked for (none: everything). */
  head(snapshot: SnapshotEntry, dirs: string[]): void;
  entry(e: LsEntry): void;
}

export function lsPrinter(long: boolean): Printers<LsPrinter> {
  return {
    text: (out) => ({
      head: (s, dirs) => {
        if (out.quiet) return;
        const filtered = dirs.length ? ` filtered by [${dirs.join(' ')}]` : '';
        out.stderr.write(`snapshot ${s.id.slice(0, 8)} of [${s.snapshot.paths.join(' ')}]${filtered} at ${s.snapshot.time}:\n`);
      },
      entry: (e) => {
        if (!long) return printLine(out.stdout, e.path);
        const n = e.node;
        const head = `${lsModeString(n.type, n.mode)} ${String(n.uid).padStart(5)} ${String(n.gid).padStart(5)} ${String(n.size).padStart(10)} ${shortTime(n.mtime)} `;
        const line = Buffer.concat([Buffer.from(head), e.path]);
        printLine(out.stdout, n.type === 'symlink' && n.linktarget !== undefined ? Buffer.concat([line, Buffer.from(` -> ${n.linktarget}`)]) : line);
      },
    }),
    json: (out) => ({
      head: (s) => printJson(out.stdout, lsSnapshotJson(s)),
      entry: (e) => printJson(out.stdout, lsNodeJson(e)),
    }),
  };
}
