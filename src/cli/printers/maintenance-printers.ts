/** Output of the maintenance commands: check, list, unlock, key, repair index. */
import type { CheckResult, Finding, KeyInfo, LockInfo, RepairIndexResult } from '../../app/index.js';
import { describeLock } from '../../app/locks.js';
import { renderTable } from '../format.js';
import { printJson, printLine } from '../io.js';
import { type PrintTarget, type Printers, textInBothForms } from './index.js';

export interface CheckPrinter {
  finding(f: Finding): void;
  summary(r: CheckResult): void;
}

export const checkPrinter: Printers<CheckPrinter> = {
  text: (out) => {
    let mixedPacks = 0;
    return {
      finding: (f) => {
        if (f.kind === 'pack-mixed') mixedPacks++;
        out.stderr.write(`${f.severity === 'error' ? 'error' : 'hint'}: ${f.message}\n`);
      },
      summary: (r) => {
        if (out.quiet) return;
        if (mixedPacks) printLine(out.stdout, 'Mixed packs with tree and data blobs are non-critical, you can run `lifeboat prune` to correct this.');
        printLine(out.stdout, `checked ${r.snapshots} snapshots, ${r.trees} trees, ${r.packs} packs${r.packsRead ? ` (read ${r.packsRead})` : ''}`);
        printLine(out.stdout, r.errors ? `${r.errors} errors found` : 'no errors were found');
      },
    };
  },
  json: (out) => ({
    finding: (f) => printJson(out.stdout, { message_type: 'finding', ...f }),
    summary: (r) => printJson(out.stdout, { message_type: 'summary', errors: r.errors, hints: r.hints, packs: r.packs, snapshots: r.snapshots, trees: r.trees, packs_read: r.packsRead }),
  }),
};

export interface ListPrinter {
  id(id: string): void;
  /** Present when this form describes each lock (who holds it, since when) instead of naming its ID. */
  lock?: (l: LockInfo) => void;
}

export const listPrinter: Printers<ListPrinter> = {
  text: (out) => ({
    id: (id) => printLine(out.stdout, id),
    ...(out.quiet ? {} : { lock: (l: LockInfo) => printLine(out.stdout, `${l.id}  ${describeLock(l)}`) }),
  }),
  json: (out) => ({ id: (id) => printJson(out.stdout, { id }) }),
};

export const unlockPrinter: Printers<(removed: LockInfo[]) => void> = {
  text: (out) => (removed) => {
    if (!out.quiet) printLine(out.stdout, removed.length ? `removed ${removed.length} locks` : 'no stale locks');
  },
  json: (out) => (removed) => printJson(out.stdout, { message_type: 'unlocked', removed: removed.map((l) => l.id) }),
};

export const keyListPrinter: Printers<(keys: KeyInfo[]) => void> = {
  text: (out) => (keys) =>
    printLine(
      out.stdout,
      renderTable(
        [' ', 'ID', 'User', 'Host', 'Created'],
        keys.map((k) => [k.current ? '*' : '', k.id.slice(0, 8), k.username, k.hostname, k.created]),
      ),
    ),
  json: (out) => (keys) => printJson(out.stdout, keys),
};

/** A line naming a key, for key add, remove and passwd (no JSON form: --json prints it too). */
const keyLine = (say: (id: string) => string): Printers<(id: string) => void> =>
  textInBothForms((out) => (id) => {
    if (!out.quiet) printLine(out.stdout, say(id.slice(0, 8)));
  });

export const keyAddPrinter = keyLine((id) => `saved new key as ${id}`);
export const keyRemovePrinter = keyLine((id) => `removed key ${id}`);
export const keyPasswdPrinter = keyLine((id) => `password changed (new key ${id})`);

/** Packs left out go to stderr in both forms (they make the exit code 1). */
function unreadablePacks(out: PrintTarget, r: RepairIndexResult): void {
  for (const u of r.unreadable) out.stderr.write(`lifeboat: pack ${u.pack} left out: ${u.message}\n`);
}

export const repairIndexPrinter: Printers<(r: RepairIndexResult) => void> = {
  text: (out) => (r) => {
    unreadablePacks(out, r);
    if (!out.quiet) printLine(out.stdout, `indexed ${r.packs} packs in ${r.newIndexFiles} index files (replacing ${r.oldIndexFiles})`);
  },
  json: (out) => (r) => {
    unreadablePacks(out, r);
    printJson(out.stdout, { message_type: 'repair-index', ...r });
  },
};
