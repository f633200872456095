/**
 * Use-cases for the tamper-evident journal (docs/design/journal.md): append a record, list the
 * journal, verify its chain. Each record is a snapshot holding /journal-record.json, tagged
 * `lifeboat-journal` and `lifeboat-pinned` (so `forget` keeps it), encrypted like any snapshot.
 *
 *   append: read every record → the heads → record with prev = their hashes → save its snapshot
 *
 * Two processes appending at once both follow the same heads: a fork, which the next append
 * joins and `verify` reports as a note. Nothing is lost or overwritten.
 */
import { userInfo, hostname as osHostname } from 'node:os';
import { LifeboatError, errorMessage } from '../core/index.js';
import { type Repository, loadSnapshots } from '../repository/index.js';
import {
  JOURNAL_FILE,
  JOURNAL_TAG,
  PINNED_TAG,
  type JournalCitation,
  type JournalEvent,
  type JournalRecord,
  type JournalVerification,
  type PointManifest,
  type StoredJournalRecord,
  encodeJournalRecord,
  nextRecord,
  orderJournal,
  parseJournalRecord,
  verifyJournal,
} from '../rollback/index.js';
import { backup } from './backup.js';
import { readSnapshotFile } from './snapshot-ref.js';

/** Every snapshot tagged as a journal record, read and validated (unreadable ones kept with their error), in journal order. */
export async function journalRead(repo: Repository, signal?: AbortSignal): Promise<StoredJournalRecord[]> {
  const entries = await loadSnapshots(repo, { tags: [[JOURNAL_TAG]] }, { signal });
  if (entries.length) await repo.loadIndex({ signal });
  const out: StoredJournalRecord[] = [];
  for (const e of entries) {
    try {
      const { data } = await readSnapshotFile(repo, e.id, `/${JOURNAL_FILE}`, {}, signal);
      out.push({ snapshot: e.id, record: parseJournalRecord(data, `snapshot ${e.id.slice(0, 8)}`) });
    } catch (err) {
      signal?.throwIfAborted();
      out.push({ snapshot: e.id, error: errorMessage(err) });
    }
  }
  return orderJournal(out);
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** Appends a record after the journal's current heads; returns it. */
export async function journalAppend(repo: Repository, event: JournalEvent, opts: { host?: string; signal?: AbortSignal } = {}): Promise<JournalRecord> {
  const existing = (await journalRead(repo, opts.signal)).flatMap((s) => (s.record ? [s.record] : []));
  const host = opts.host ?? osHostname();
  const record = nextRecord(existing, event, { time: new Date(), host, user: currentUser() });
  await backup(repo, {
    paths: [],
    files: [{ filename: JOURNAL_FILE, data: encodeJournalRecord(record) }],
    tags: [JOURNAL_TAG, PINNED_TAG, `journal:${record.seq}`],
    host,
    signal: opts.signal,
  });
  return record;
}

export async function journalVerify(repo: Repository, opts: { expect?: string[]; signal?: AbortSignal } = {}): Promise<JournalVerification & { stored: StoredJournalRecord[] }> {
  const stored = await journalRead(repo, opts.signal);
  return { ...verifyJournal(stored, { expect: opts.expect }), stored };
}

/** The records about one restore point, in journal order. */
export async function journalOfPoint(repo: Repository, pointId: string, signal?: AbortSignal): Promise<JournalRecord[]> {
  return (await journalRead(repo, signal)).flatMap((s) => (s.record?.point === pointId ? [s.record] : []));
}

/** Appends the records of a new point: its proof run, then its creation. */
export async function journalPointCreated(repo: Repository, m: PointManifest, signal?: AbortSignal): Promise<JournalRecord> {
  const failed = m.proof.checks.filter((c) => !c.ok).map((c) => c.name);
  const opts = { host: m.host, signal };
  try {
    await journalAppend(
      repo,
      {
        event: 'proof-run',
        point: m.id,
        summary: `proof of point ${m.id} ${m.proof.ok ? 'passed' : `FAILED (${failed.join(', ')})`}: ${m.proof.checks.length} checks`,
        detail: { ok: m.proof.ok, checks: m.proof.checks.length, failed: failed.join(', ') || null, durationMs: m.proof.durationMs },
      },
      opts,
    );
    return await journalAppend(
      repo,
      {
        event: 'point-created',
        point: m.id,
        summary: `restore point ${m.id}${m.name ? ` "${m.name}"` : ''} created on ${m.host}: ${m.sources.length} sources${m.inventory ? `, ${m.inventory.accounts} accounts` : ''}, proof ${m.proof.ok ? 'passed' : 'failed'}`,
        detail: {
          name: m.name,
          note: m.note,
          host: m.host,
          createdAt: m.createdAt,
          sources: m.sources.map((s) => `${s.name}=${s.snapshot.slice(0, 8)}`).join(' '),
          proofOk: m.proof.ok,
          warnings: m.warnings.length,
          readinessRed: m.warnings.filter((w) => w.startsWith('readiness: ')).length,
        },
      },
      opts,
    );
  } catch (err) {
    throw new LifeboatError('E_PARTIAL', `restore point ${m.id} was saved, but its journal record could not be written: ${errorMessage(err)}`, {
      // the cause's own fix first (a full or failing disk): without it the next record fails too
      hint: `${err instanceof LifeboatError && err.hint ? `${err.hint}; then: ` : ''}the point is usable; check the repository with \`lifeboat journal verify\``,
      cause: err,
    });
  }
}

/** What a rollback plan cites: the records about its point, oldest first. */
export async function journalCitations(repo: Repository, pointId: string, signal?: AbortSignal): Promise<JournalCitation[]> {
  return (await journalOfPoint(repo, pointId, signal)).map((r) => ({ seq: r.seq, hash: r.hash, event: r.event, time: r.time, summary: r.summary }));
}
