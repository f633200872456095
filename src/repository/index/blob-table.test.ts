import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { ESCAPE } from './blob-lengths.js';
import { BlobTable, ROW_BYTES, wordOf } from './blob-table.js';

const key = (n: number): Buffer => createHash('sha256').update(`blob ${n}`).digest();

/** Lengths on both sides of the 24-bit fields' limit, the largest a row takes, and ordinary ones. */
const aLength = fc.oneof(
  fc.constantFrom(0, 1, ESCAPE - 1, ESCAPE, ESCAPE + 1, 2 ** 24 + 65_535, 2 ** 31, 2 ** 32 - 1),
  fc.integer({ min: ESCAPE - 3, max: ESCAPE + 3 }),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  fc.integer({ min: 0, max: 8 << 20 }),
);

interface Row {
  n: number;
  length: number;
  plainLength: number;
}

/** Each row's lengths as the table gives them, by blob number, after checking every row is found. */
function lengthsByLookup(table: BlobTable, rows: readonly Row[]): Map<number, [number, number]> {
  const got = new Map<number, [number, number]>();
  for (const r of rows) {
    const k = key(r.n);
    const i = table.searchSorted(k, wordOf(k, 0), r.n % 2);
    assert.ok(i >= 0, `blob ${r.n} found`);
    got.set(r.n, [table.length(i), table.plainLength(i)]);
  }
  return got;
}

test('blob table: lengths on both sides of 2^24 and up to 2^32 − 1 survive append, sort, lookup and merge (property)', () => {
  const row = fc.record({ length: aLength, plainLength: aLength });
  fc.assert(
    fc.property(fc.array(row, { minLength: 1, maxLength: 150 }), fc.array(row, { maxLength: 60 }), (loaded, added) => {
      const table = new BlobTable(16);
      const rows: Row[] = [];
      const put = (r: { length: number; plainLength: number }): void => {
        const n = rows.length;
        const k = key(n);
        // odd blobs are trees: the type bit shares the pack word
        table.append(k, n % 2 === 1 ? (n | 0x80000000) >>> 0 : n, n * 7, r.length, r.plainLength);
        rows.push({ n, ...r });
      };
      loaded.forEach(put);
      for (const r of rows) assert.deepEqual([table.length(r.n), table.plainLength(r.n)], [r.length, r.plainLength], 'appended');
      table.sort();
      const expected = (upTo: number): Map<number, [number, number]> => new Map(rows.slice(0, upTo).map((r) => [r.n, [r.length, r.plainLength]]));
      assert.deepEqual(lengthsByLookup(table, rows), expected(rows.length));
      added.forEach(put);
      table.mergeUnsorted();
      assert.deepEqual(lengthsByLookup(table, rows), expected(rows.length));
      // pack words and offsets moved with the lengths
      for (const r of rows) {
        const k = key(r.n);
        const i = table.searchSorted(k, wordOf(k, 0), r.n % 2);
        assert.equal(table.offsets[i], r.n * 7);
      }
    }),
    { numRuns: 200 },
  );
});

test('blob table: a row is 46 bytes; only lengths of 2^24 − 1 and more take room beside it', () => {
  assert.equal(ROW_BYTES, 46);
  const table = new BlobTable(16);
  table.append(key(0), 0, 0, ESCAPE - 1, ESCAPE);
  assert.equal(table.footprint.largeLengths, 0);
  table.append(key(1), 0, 0, ESCAPE, 0);
  table.append(key(2), 0, 0, 100, ESCAPE + 1);
  assert.equal(table.footprint.largeLengths, 2 * 2 * 8);
  assert.equal(table.footprint.rows, 3 * 46);
});

test('blob table: the addon sorts the rows exactly as the JavaScript sort does, duplicates and all (property)', () => {
  // few IDs, packs and offsets: many rows share a key, and a key and pack, so ties are broken at every level
  const rowsOf = fc.array(fc.record({ id: fc.nat({ max: 150 }), tree: fc.boolean(), pack: fc.nat({ max: 3 }), offset: fc.nat({ max: 1000 }), length: aLength }), {
    minLength: 1,
    maxLength: 3000,
    size: 'max',
  });
  fc.assert(
    fc.property(rowsOf, (rows) => {
      const tables = [true, false].map((inAddon) => {
        const table = new BlobTable(16);
        for (const r of rows) table.append(key(r.id), r.tree ? (r.pack | 0x80000000) >>> 0 : r.pack, r.offset, r.length, r.length);
        table.sort(inAddon);
        const n = table.count;
        const lengths = Array.from({ length: n }, (_, i) => [table.length(i), table.plainLength(i)]);
        const found = rows.map((r) => table.searchSorted(key(r.id), wordOf(key(r.id), 0), r.tree ? 1 : 0));
        return { words: table.words.slice(0, n * 8), packs: table.packs.slice(0, n), offsets: table.offsets.slice(0, n), lengths, found };
      });
      assert.deepEqual(tables[0], tables[1]);
    }),
    { numRuns: 60 },
  );
});
