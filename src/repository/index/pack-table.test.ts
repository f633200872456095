import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import { PackTable } from './pack-table.js';

const packId = (n: number): Id => createHash('sha256').update(`pack ${n}`).digest('hex') as Id;

test('pack table: numbers in order of first use, IDs back from numbers past the hex IDs it keeps, unknown packs absent', () => {
  const packs = new PackTable();
  const count = 5000; // more than the 1,024 recent hex IDs, and several doublings of the hash
  for (let n = 0; n < count; n++) {
    assert.equal(packs.number(packId(n)), n);
    assert.equal(packs.number(packId(n)), n, 'the same pack asked twice in a row');
  }
  for (let n = count - 1; n >= 0; n -= 7) assert.equal(packs.number(packId(n)), n);
  assert.equal(packs.count, count);
  for (let round = 0; round < 2; round++) for (let n = 0; n < count; n += round + 1) assert.equal(packs.idOf(n), packId(n));
  assert.deepEqual(
    packs.allIds(),
    Array.from({ length: count }, (_, n) => packId(n)),
  );
  assert.equal(packs.has(packId(17)), true);
  assert.equal(packs.has(packId(count)), false);
  assert.ok(packs.footprint <= count * 48 + 4096, `${packs.footprint} bytes for ${count} packs`);
});
