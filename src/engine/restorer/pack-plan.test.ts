import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import { ByteArena } from './byte-arena.js';
import { PackPlan } from './pack-plan.js';

const id = (c: string): Id => c.repeat(64) as Id;

test('pack plan: rows per pack in blob order, with their fields', () => {
  const plan = new PackPlan();
  plan.add(0, 0, { id: id('a'), packId: id('1'), offset: 500, length: 100, uncompressedLength: 0 });
  plan.add(1, 2 ** 40, { id: id('b'), packId: id('2'), offset: 0, length: 50, uncompressedLength: 70 });
  plan.add(2, 7, { id: id('c'), packId: id('1'), offset: 100, length: 300, uncompressedLength: 400 });
  for (let i = 0; i < 3000; i++) plan.add(3, i, { id: id('d'), packId: id('3'), offset: 3000 - i, length: 1, uncompressedLength: 0 });
  assert.deepEqual(plan.packs, [id('1'), id('2'), id('3')]);
  assert.equal(plan.rowCount, 3003);
  const rows = plan.rows(0);
  assert.deepEqual(
    rows.map((r) => plan.file(r)),
    [2, 0],
  );
  assert.deepEqual(
    rows.map((r) => plan.blobId(r)),
    [id('c'), id('a')],
  );
  assert.deepEqual(
    rows.map((r) => [plan.blobOffset(r), plan.length(r), plan.uncompressedLength(r), plan.fileOffset(r)]),
    [
      [100, 300, 400, 7],
      [500, 100, 0, 0],
    ],
  );
  assert.equal(plan.fileOffset(plan.rows(1)[0]!), 2 ** 40);
  const third = plan.rows(2);
  assert.equal(third.length, 3000);
  assert.deepEqual(
    third.slice(0, 2).map((r) => plan.blobOffset(r)),
    [1, 2],
  );
  assert.deepEqual(
    plan.rows(0, (r) => plan.file(r) !== 2).map((r) => plan.file(r)),
    [0],
  );
});

test("pack plan: spans hold whole blobs of at most the limit, read and decompressed, a larger blob alone, a blob's rows together", () => {
  const plan = new PackPlan();
  const blob = (offset: number, length: number, file = 0, uncompressedLength = 0): void => plan.add(file, 0, { id: id('e'), packId: id('1'), offset, length, uncompressedLength });
  blob(0, 40);
  blob(40, 50, 0, 60);
  blob(40, 50, 1, 60); // the same blob for another file: its plaintext counts once
  blob(90, 20);
  blob(200, 150); // larger than the limit
  blob(350, 10, 0, 30);
  blob(360, 10, 0, 80); // decompresses past the limit with the blob before it
  blob(370, 10, 0, 300); // decompresses to more than the limit
  blob(380, 10);
  const rows = plan.rows(0);
  assert.deepEqual(plan.spans(rows, 100), [
    { from: 0, to: 3, start: 0, end: 90, plain: 60 },
    { from: 3, to: 4, start: 90, end: 110, plain: 0 },
    { from: 4, to: 5, start: 200, end: 350, plain: 0 },
    { from: 5, to: 6, start: 350, end: 360, plain: 30 },
    { from: 6, to: 7, start: 360, end: 370, plain: 80 },
    { from: 7, to: 8, start: 370, end: 380, plain: 300 },
    { from: 8, to: 9, start: 380, end: 390, plain: 0 },
  ]);
  assert.deepEqual(plan.spans(rows, 1000), [{ from: 0, to: 9, start: 0, end: 390, plain: 470 }]);
  assert.deepEqual(plan.spans([], 100), []);
});

test('byte arena: entries keep their bytes across chunks, a large entry included', () => {
  const arena = new ByteArena();
  const entries: Buffer[] = [];
  for (let i = 0; i < 20_000; i++) entries.push(Buffer.from(`/target/dir-${i % 97}/file-${i}`));
  entries.push(Buffer.alloc(0), Buffer.alloc(600 * 1024, 7), Buffer.from('after'));
  entries.forEach((e, i) => assert.equal(arena.append(e), i));
  assert.equal(arena.entries, entries.length);
  entries.forEach((e, i) => assert.ok(arena.get(i).equals(e), `entry ${i}`));
  assert.throws(() => arena.get(entries.length), RangeError);
});
