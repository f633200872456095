import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type JournalEvent, type JournalRecord, journalHeads, nextRecord, recordHash } from './record.js';
import { type StoredJournalRecord, verifyJournal } from './verify.js';

const HOUR = 3600_000;
const events: JournalEvent[] = [
  { event: 'proof-run', point: '1a2b3c4d', summary: 'proof of point 1a2b3c4d passed: 4 checks', detail: { ok: true, checks: 4 } },
  { event: 'point-created', point: '1a2b3c4d', summary: 'restore point 1a2b3c4d created', detail: { host: 'fe01' } },
  { event: 'rollback-plan-approved', point: '1a2b3c4d', summary: 'approved by CAB-1182', detail: { approver: 'CAB-1182', planDigest: 'ab'.repeat(32) } },
  { event: 'rollback-step-applied', point: '1a2b3c4d', summary: 'step safety-point applied', detail: { step: 'safety-point' } },
  { event: 'rollback-step-applied', point: '1a2b3c4d', summary: 'step files:config applied', detail: { step: 'files:config' } },
  { event: 'point-released', point: '1a2b3c4d', summary: 'released', detail: { snapshots: 3 } },
];

/** A journal of six records an hour apart, as appended one after another. */
function chain(): StoredJournalRecord[] {
  const records: JournalRecord[] = [];
  const t0 = Date.parse('2026-11-02T08:00:00Z');
  events.forEach((e, i) => records.push(nextRecord(records, e, { time: new Date(t0 + i * HOUR), host: 'fe01', user: 'admin' })));
  return records.map((r, i) => ({ snapshot: `${String(i).repeat(8)}${'0'.repeat(56)}`, record: r }));
}

/** What someone with the repository password could write: a record with its hash made to fit. */
function rehashed(r: JournalRecord, change: Partial<JournalRecord>): JournalRecord {
  const next = { ...r, ...change };
  return { ...next, hash: recordHash(next) };
}

const errors = (v: ReturnType<typeof verifyJournal>): string[] => v.findings.filter((f) => f.severity === 'error').map((f) => `${f.kind} ${f.record ?? '-'}`);

describe('journal chain', () => {
  test('an untouched journal verifies; each record follows the one before', () => {
    const stored = chain();
    const v = verifyJournal(stored);
    assert.deepEqual(v.findings, []);
    assert.equal(v.ok, true);
    assert.equal(v.heads.length, 1);
    assert.equal(v.heads[0]!.seq, 6);
    for (let i = 1; i < stored.length; i++) assert.deepEqual(stored[i]!.record!.prev, [stored[i - 1]!.record!.hash]);
    assert.deepEqual(stored[0]!.record!.prev, []);
  });

  test('a removed record is named by the record that followed it', () => {
    const stored = chain();
    const removedHash = stored[2]!.record!.hash;
    stored.splice(2, 1);
    const v = verifyJournal(stored);
    assert.equal(v.ok, false);
    assert.deepEqual(errors(v), [`removed #4 (${stored[2]!.record!.hash.slice(0, 12)})`]);
    assert.match(v.findings[0]!.message, new RegExp(`before #4 .*${removedHash.slice(0, 12)}`));
  });

  test('an edited record is named, whether or not its hash was recomputed', () => {
    const plain = chain();
    plain[2] = { ...plain[2]!, record: { ...plain[2]!.record!, detail: { approver: 'someone else', planDigest: 'ab'.repeat(32) } } };
    const v1 = verifyJournal(plain);
    assert.deepEqual(errors(v1), [`altered #3 (${plain[2].record!.hash.slice(0, 12)})`]);

    const clever = chain();
    clever[2] = { ...clever[2]!, record: rehashed(clever[2]!.record!, { summary: 'approved by nobody in particular' }) };
    const v2 = verifyJournal(clever);
    assert.deepEqual(errors(v2), [`altered #3 (${clever[2].record!.hash.slice(0, 12)})`]);
    assert.match(v2.findings[0]!.message, /altered or replaced/);
  });

  test('records swapped and re-linked are reported as reordered', () => {
    const stored = chain();
    const [r2, r3] = [stored[1]!.record!, stored[2]!.record!];
    // the approval (#3) moved before the point's creation (#2), every link rewritten to fit
    const a = rehashed(r3, { seq: 2, prev: r2.prev });
    const b = rehashed(r2, { seq: 3, prev: [a.hash] });
    stored[1] = { ...stored[1]!, record: a };
    stored[2] = { ...stored[2]!, record: b };
    const v = verifyJournal(stored);
    assert.equal(v.ok, false);
    const kinds = errors(v);
    assert.ok(kinds.includes(`reordered #3 (${b.hash.slice(0, 12)})`), kinds.join('; '));
    assert.ok(v.findings.some((f) => f.kind === 'reordered' && /dated before/.test(f.message)));
  });

  test('renumbered records are reported as reordered', () => {
    const stored = chain();
    stored[3] = { ...stored[3]!, record: rehashed(stored[3]!.record!, { seq: 9 }) };
    const v = verifyJournal(stored);
    assert.ok(
      errors(v).some((e) => e.startsWith('reordered #9')),
      errors(v).join('; '),
    );
  });

  test('the tail can only be checked against a citation: --expect names a removed newest record', () => {
    const stored = chain();
    const newest = stored.pop()!.record!;
    assert.equal(verifyJournal(stored).ok, true);
    const v = verifyJournal(stored, { expect: [`#6 (${newest.hash.slice(0, 12)})`] });
    assert.deepEqual(errors(v), ['removed -']);
    assert.equal(verifyJournal(chain(), { expect: [newest.hash.slice(0, 12)] }).ok, true);
  });

  test('two appends at once fork the chain; the next append joins them and verify notes it', () => {
    const stored = chain().map((s) => s.record!);
    const t = new Date(Date.parse(stored.at(-1)!.time) + HOUR);
    const x = nextRecord(stored, events[3]!, { time: t, host: 'fe01', user: 'a' });
    const y = nextRecord(stored, events[4]!, { time: t, host: 'fe02', user: 'b' });
    assert.deepEqual(x.prev, y.prev);
    const forked = [...stored, x, y];
    assert.equal(journalHeads(forked).length, 2);
    const v1 = verifyJournal(forked.map((r, i) => ({ snapshot: String(i), record: r })));
    assert.equal(v1.ok, true);
    assert.ok(v1.findings.some((f) => f.kind === 'fork' && f.severity === 'note'));
    const z = nextRecord(forked, events[5]!, { time: new Date(t.getTime() + HOUR), host: 'fe01', user: 'a' });
    assert.deepEqual(z.prev, [x.hash, y.hash].sort());
    assert.equal(z.seq, 8);
    const v2 = verifyJournal([...forked, z].map((r, i) => ({ snapshot: String(i), record: r })));
    assert.equal(v2.ok, true);
    assert.equal(v2.heads.length, 1);
    assert.ok(v2.findings.some((f) => f.kind === 'fork' && f.record === `#8 (${z.hash.slice(0, 12)})`));
  });

  test('an unreadable record snapshot is an error', () => {
    const stored = chain();
    stored.push({ snapshot: 'f'.repeat(64), error: 'not JSON' });
    const v = verifyJournal(stored);
    assert.deepEqual(errors(v), ['unreadable -']);
  });
});
