/** repack's reads: the used blobs of a pack in spans of about 4 MiB, never the whole pack at once. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import type { CompactPack } from '../../repository/index/index.js';
import { usedSpans } from './execute-prune.js';

const MiB = 1024 * 1024;

/** A pack of blobs with these lengths, back to back, listed in `order` (an index need not list them by offset). */
function pack(lengths: number[], order = lengths.map((_, i) => i)): CompactPack {
  const offsets = lengths.map((_, i) => lengths.slice(0, i).reduce((a, n) => a + n, 0));
  return {
    id: 'a'.repeat(64) as Id,
    count: lengths.length,
    ids: Buffer.alloc(32 * lengths.length),
    types: new Uint8Array(lengths.length),
    offsets: Uint32Array.from(order.map((i) => offsets[i]!)),
    lengths: Uint32Array.from(order.map((i) => lengths[i]!)),
    uncompressedLengths: new Uint32Array(lengths.length),
  };
}

test('usedSpans: every used blob once, in pack order, spans within 4 MiB unless one blob is larger', () => {
  const lengths = [MiB, MiB, 2 * MiB, 100, 9 * MiB, 200, 300, 2 * MiB, 2 * MiB + 1, 50];
  const order = [9, 3, 0, 8, 1, 5, 2, 7, 4, 6];
  const p = pack(lengths, order);
  const used = Uint8Array.from(order.map((i) => (i === 1 ? 0 : 1)));
  const spans = usedSpans(p, used);
  const listed = spans.flatMap((s) => s.blobs);
  assert.deepEqual(
    [...listed].sort((a, b) => a - b),
    [...used.keys()].filter((k) => used[k]),
  );
  for (const [i, s] of spans.entries()) {
    assert.ok(s.end - s.start <= 4 * MiB || s.blobs.length === 1, `span ${i} is ${s.end - s.start} bytes`);
    for (const k of s.blobs) assert.ok(p.offsets[k]! >= s.start && p.offsets[k]! + p.lengths[k]! <= s.end);
    if (i > 0) assert.ok(s.start >= spans[i - 1]!.end, 'spans in pack order, apart');
  }
  // the unused 1 MiB blob between two used ones is read with them; the 9 MiB blob is a span alone
  assert.deepEqual(
    spans.map((s) => s.end - s.start),
    [4 * MiB, 100, 9 * MiB, 2 * MiB + 500, 2 * MiB + 1 + 50],
  );
  assert.deepEqual(usedSpans(p, new Uint8Array(p.count)), []);
});
