/**
 * A journal record and its hash.
 *
 *   hash = SHA-256 of the record's canonical JSON (keys sorted, the `hash` field left out)
 *   prev = the hashes of the heads when it was appended (records nobody follows yet): one,
 *          or several when two processes appended at once and this record joins their branches
 *   seq  = 1 + the highest seq among prev (1 for the first record)
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { LifeboatError } from '../../core/index.js';

export const JOURNAL_TAG = 'lifeboat-journal';
export const JOURNAL_FILE = 'journal-record.json';

export const JOURNAL_EVENTS = ['point-created', 'proof-run', 'point-released', 'rollback-plan-approved', 'rollback-step-applied'] as const;
export type JournalEventKind = (typeof JOURNAL_EVENTS)[number];

const detailValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex');

export const journalRecordSchema = z.strictObject({
  schema: z.literal('lifeboat-journal-record'),
  schemaVersion: z.literal(1),
  seq: z.number().int().min(1),
  time: z.string().min(1),
  host: z.string(),
  user: z.string(),
  event: z.enum(JOURNAL_EVENTS),
  /** The restore point the record is about. */
  point: z.string().nullable(),
  /** One line for people: "point 1a2b3c4d created, proof passed". */
  summary: z.string(),
  detail: z.record(z.string(), detailValue),
  prev: z.array(hex64),
  hash: hex64,
});

export type JournalRecord = z.infer<typeof journalRecordSchema>;
export type JournalEvent = Pick<JournalRecord, 'event' | 'point' | 'summary' | 'detail'>;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The hash a record should carry: over everything but its `hash` field. */
export function recordHash(record: Omit<JournalRecord, 'hash'> | JournalRecord): string {
  const { hash: _ignored, ...rest } = record as JournalRecord;
  return createHash('sha256').update(canonical(rest)).digest('hex');
}

/** The records nobody follows yet, oldest seq first. */
export function journalHeads(records: readonly JournalRecord[]): JournalRecord[] {
  const followed = new Set(records.flatMap((r) => r.prev));
  const seen = new Set<string>();
  return records.filter((r) => !followed.has(r.hash) && !seen.has(r.hash) && seen.add(r.hash)).sort((a, b) => a.seq - b.seq || (a.hash < b.hash ? -1 : 1));
}

/** The record to append after `existing` (the whole journal as read). */
export function nextRecord(existing: readonly JournalRecord[], event: JournalEvent, meta: { time: Date; host: string; user: string }): JournalRecord {
  const heads = journalHeads(existing);
  const body: Omit<JournalRecord, 'hash'> = {
    schema: 'lifeboat-journal-record',
    schemaVersion: 1,
    seq: heads.length ? Math.max(...heads.map((h) => h.seq)) + 1 : 1,
    time: meta.time.toISOString(),
    host: meta.host,
    user: meta.user,
    event: event.event,
    point: event.point,
    summary: event.summary,
    detail: event.detail,
    prev: heads.map((h) => h.hash).sort(),
  };
  return { ...body, hash: recordHash(body) };
}

export function encodeJournalRecord(r: JournalRecord): Buffer {
  return Buffer.from(`${JSON.stringify(r, null, 1)}\n`);
}

/** Parses and validates a stored record; `where` names it in errors. */
export function parseJournalRecord(data: Buffer | string, where: string): JournalRecord {
  let json: unknown;
  try {
    json = JSON.parse(data.toString());
  } catch (err) {
    throw new LifeboatError('E_FORMAT', `${where}: the journal record is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const r = journalRecordSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new LifeboatError('E_FORMAT', `${where}: not a journal record this version reads: ${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}

/** Short form of a record's hash, as cited in plans and point details. */
export function journalCitation(r: Pick<JournalRecord, 'seq' | 'hash'>): string {
  return `#${r.seq} (${r.hash.slice(0, 12)})`;
}

/** A journal record as a plan or a point detail cites it. */
export interface JournalCitation {
  seq: number;
  hash: string;
  event: JournalEventKind;
  time: string;
  summary: string;
}
