/**
 * Checking the journal's chain.
 *
 *   every record:   its content hashes to its `hash`             else "altered"
 *   every prev:     names a record in the journal               else "removed", or "altered"
 *                   when an unfollowed record sits at that place (edited, then re-hashed)
 *   seq and time:   seq = 1 + highest prev seq, not dated before a predecessor (5 min of clock
 *                   skew between hosts allowed)                   else "reordered"
 *   expected:       hashes cited elsewhere (a plan, a ticket) are in the journal, else "removed"
 *
 * Two processes appending at once leave two records with the same predecessors (a fork); the
 * next record joins them. A fork is reported as a note, not as tampering.
 */
import { type JournalRecord, journalCitation, journalHeads, recordHash } from './record.js';

export type JournalFindingKind = 'unreadable' | 'altered' | 'removed' | 'reordered' | 'fork';

export interface JournalFinding {
  kind: JournalFindingKind;
  /** 'error' for tampering or damage; 'note' for forks. */
  severity: 'error' | 'note';
  /** Where: the record's citation (#seq (hash)) and its snapshot, when there is one. */
  record: string | null;
  snapshot: string | null;
  message: string;
}

export interface StoredJournalRecord {
  /** The snapshot holding the record. */
  snapshot: string;
  record?: JournalRecord;
  /** Why the record could not be read (then `record` is absent). */
  error?: string;
}

export interface JournalVerification {
  ok: boolean;
  records: number;
  /** The newest record(s): cite these to detect a later removal of the tail. */
  heads: JournalRecord[];
  findings: JournalFinding[];
}

const CLOCK_SKEW_MS = 5 * 60_000;

/** Records in journal order: seq, then time, then hash. */
export function orderJournal<T extends { record?: JournalRecord }>(stored: readonly T[]): T[] {
  return [...stored].sort((a, b) => {
    const x = a.record;
    const y = b.record;
    if (!x || !y) return x ? -1 : y ? 1 : 0;
    return x.seq - y.seq || (x.time < y.time ? -1 : x.time > y.time ? 1 : x.hash < y.hash ? -1 : 1);
  });
}

export function verifyJournal(stored: readonly StoredJournalRecord[], opts: { expect?: readonly string[] } = {}): JournalVerification {
  const findings: JournalFinding[] = [];
  const add = (kind: JournalFindingKind, where: StoredJournalRecord | null, message: string): void => {
    findings.push({ kind, severity: kind === 'fork' ? 'note' : 'error', record: where?.record ? journalCitation(where.record) : null, snapshot: where?.snapshot ?? null, message });
  };
  const ordered = orderJournal(stored);
  const byHash = new Map<string, StoredJournalRecord & { record: JournalRecord }>();
  for (const s of ordered) {
    if (!s.record) {
      add('unreadable', s, `snapshot ${s.snapshot.slice(0, 8)} is tagged as a journal record but cannot be read: ${s.error ?? 'unknown error'}`);
      continue;
    }
    const r = s.record;
    if (recordHash(r) !== r.hash)
      add('altered', s, `record ${journalCitation(r)} (${r.event}${r.point ? ` of point ${r.point}` : ''}) was altered: its content no longer hashes to ${r.hash.slice(0, 12)}`);
    if (!byHash.has(r.hash)) byHash.set(r.hash, s as StoredJournalRecord & { record: JournalRecord });
  }
  const records = [...byHash.values()];
  const followed = new Set(records.flatMap((s) => s.record.prev));
  const maxSeq = Math.max(0, ...records.map((s) => s.record.seq));
  // records nobody follows although newer ones exist: the old version of an edited record
  const stranded = records.filter((s) => !followed.has(s.record.hash) && s.record.seq < maxSeq);
  const explained = new Set<string>();

  for (const s of records) {
    const r = s.record;
    const known = r.prev.map((p) => byHash.get(p)?.record);
    r.prev.forEach((p, i) => {
      if (known[i]) return;
      const replaced = stranded.find((x) => x.record.seq === r.seq - 1 && !explained.has(x.record.hash));
      if (replaced) {
        explained.add(replaced.record.hash);
        add(
          'altered',
          replaced,
          `record ${journalCitation(replaced.record)} (${replaced.record.event}${replaced.record.point ? ` of point ${replaced.record.point}` : ''}) was altered or replaced: record ${journalCitation(r)} follows a record ${p.slice(0, 12)} that is no longer in the journal`,
        );
      } else {
        // the records the removed one followed are followed by nobody now: that is explained
        for (const x of stranded) if (x.record.seq < r.seq) explained.add(x.record.hash);
        add('removed', s, `a record was removed before ${journalCitation(r)} (${r.event}): the record it follows, ${p.slice(0, 12)}, is not in the journal`);
      }
    });
    if (known.every(Boolean)) {
      const prevs = known as JournalRecord[];
      const expectedSeq = prevs.length ? Math.max(...prevs.map((p) => p.seq)) + 1 : 1;
      if (r.seq !== expectedSeq)
        add(
          'reordered',
          s,
          `record ${journalCitation(r)} (${r.event}) is numbered ${r.seq} but follows ${prevs.length ? prevs.map((p) => journalCitation(p)).join(', ') : 'nothing'}: records were reordered or renumbered`,
        );
      const late = prevs.find((p) => Date.parse(r.time) + CLOCK_SKEW_MS < Date.parse(p.time));
      if (late) add('reordered', s, `record ${journalCitation(r)} (${r.event}, ${r.time}) is dated before the record it follows, ${journalCitation(late)} (${late.time}): records were reordered`);
      if (prevs.length > 1) add('fork', s, `records ${prevs.map((p) => journalCitation(p)).join(' and ')} were appended at the same time; ${journalCitation(r)} joins them`);
    }
  }
  for (const s of stranded) {
    if (explained.has(s.record.hash)) continue;
    add(
      'altered',
      s,
      `record ${journalCitation(s.record)} (${s.record.event}) is followed by no record although newer ones exist: it was altered and re-hashed, or the records after it were rewritten`,
    );
  }
  const heads = journalHeads(records.map((s) => s.record));
  if (heads.length > 1) {
    add('fork', null, `records ${heads.map((h) => journalCitation(h)).join(' and ')} were appended at the same time; the next record joins them`);
  }
  for (const e of opts.expect ?? []) {
    const want = e.toLowerCase().replace(/^#\d+\s*\(?|\)$/g, '');
    if (!records.some((s) => s.record.hash.startsWith(want))) add('removed', null, `the cited record ${e} is not in the journal: it was removed or altered`);
  }
  return { ok: findings.every((f) => f.severity !== 'error'), records: stored.length, heads, findings };
}
