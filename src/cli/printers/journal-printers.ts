/** Output of `journal` (the records, oldest first) and `journal verify` (findings and the verdict). */
import type { JournalVerification, StoredJournalRecord } from '../../app/index.js';
import { journalCitation } from '../../app/index.js';
import { renderTable } from '../format.js';
import { printJson, printLine } from '../io.js';
import type { Printers } from './index.js';

export const journalListPrinter: Printers<(stored: StoredJournalRecord[]) => void> = {
  text: (out) => (stored) => {
    printLine(
      out.stdout,
      renderTable(
        ['entry', 'time', 'event', 'point', 'summary'],
        stored.map((s) =>
          s.record
            ? [journalCitation(s.record), s.record.time.replace('T', ' ').slice(0, 19), s.record.event, s.record.point ?? '', s.record.summary]
            : [`snapshot ${s.snapshot.slice(0, 8)}`, '', 'unreadable', '', s.error ?? ''],
        ),
      ),
    );
    printLine(out.stdout, `${stored.length} journal records`);
  },
  json: (out) => (stored) =>
    printJson(
      out.stdout,
      stored.map((s) => ({ snapshot: s.snapshot, ...(s.record ?? { error: s.error }) })),
    ),
};

const errorCount = (v: JournalVerification): number => v.findings.filter((f) => f.severity === 'error').length;

export const journalVerifyPrinter: Printers<(v: JournalVerification) => void> = {
  text: (out) => (v) => {
    for (const f of v.findings) printLine(f.severity === 'error' ? out.stderr : out.stdout, `${f.severity === 'error' ? 'lifeboat: ' : 'note: '}${f.kind}: ${f.message}`);
    const head = v.heads.map((h) => journalCitation(h)).join(', ');
    printLine(out.stdout, v.ok ? `journal intact: ${v.records} records${head ? `, newest ${head}` : ''}` : `JOURNAL DAMAGED OR TAMPERED WITH: ${errorCount(v)} problems in ${v.records} records`);
  },
  json: (out) => (v) => {
    for (const f of v.findings) printJson(out.stdout, { message_type: 'finding', ...f });
    printJson(out.stdout, {
      message_type: 'summary',
      ok: v.ok,
      records: v.records,
      heads: v.heads.map((h) => ({ seq: h.seq, hash: h.hash })),
      errors: errorCount(v),
    });
  },
};
