import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Id } from '../../core/index.js';
import type { BlobType } from '../pack/header.js';
import { MasterIndex } from './master-index.js';

/** A deterministic blob ID (SHA-256, as real IDs are). */
function blobId(n: number, salt = ''): Id {
  return createHash('sha256').update(`${salt}${n}`).digest('hex') as Id;
}

const pack = (n: number): Id => blobId(n, 'pack');

/** Lengths around the limit of a row's 24-bit length fields, and the largest a row takes. */
const LARGE = [2 ** 24 - 2, 2 ** 24 - 1, 2 ** 24, 2 ** 32 - 1];

/**
 * Length and uncompressed length that follow from the place, so every copy of a place agrees;
 * one in eight of each is a LARGE one.
 */
function sizes(id: Id, packNo: number, offset: number): [number, number] {
  const h = createHash('sha256').update(`${id}${packNo}/${offset}`).digest();
  const length = h[5]! % 8 === 0 ? LARGE[h[6]! % 4]! : 40 + h.readUInt16LE(0);
  const plain = h[7]! % 8 === 0 ? LARGE[h[8]! % 4]! : length + h.readUInt16LE(3);
  return [length, h[2]! % 2 === 0 ? 0 : plain];
}

test('master index: lookups before any add, on an empty index and of unknown blobs', () => {
  const index = new MasterIndex();
  assert.equal(index.has('data', blobId(1)), false);
  assert.equal(index.lookup('tree', blobId(1)), undefined);
  assert.deepEqual(index.locations('data', blobId(1)), []);
  assert.equal(index.plaintextSize('data', blobId(1)), -1);
  assert.equal(index.blobCount, 0);
  assert.deepEqual([...index.blobs()], []);
  index.add('data', blobId(1), pack(1), 0, 100, 0);
  assert.equal(index.lookup('data', blobId(1))?.length, 100);
  assert.equal(index.has('tree', blobId(1)), false, 'the same ID as another type is another blob');
});

test('master index: a blob and a tree with the same ID are two blobs, loaded or added later', () => {
  for (const settleFirst of [false, true]) {
    const index = new MasterIndex();
    if (settleFirst) assert.equal(index.blobCount, 0);
    index.add('data', blobId(7), pack(1), 0, 100, 150);
    index.add('tree', blobId(7), pack(2), 64, 90, 0);
    assert.equal(index.blobCount, 2);
    assert.equal(index.duplicateCount, 0);
    assert.deepEqual(index.lookup('data', blobId(7)), { type: 'data', id: blobId(7), packId: pack(1), offset: 0, length: 100, uncompressedLength: 150 });
    assert.deepEqual(index.lookup('tree', blobId(7)), { type: 'tree', id: blobId(7), packId: pack(2), offset: 64, length: 90, uncompressedLength: 0 });
    assert.equal(index.plaintextSize('data', blobId(7)), 150);
    assert.equal(index.plaintextSize('tree', blobId(7)), 90 - 32, 'uncompressed: the length less nonce and MAC');
  }
});

test('master index: copies loaded together put the pack seen first first; a copy added later comes last', () => {
  const index = new MasterIndex();
  const id = blobId(3);
  index.packNumber(pack(1)); // pack 1 is seen first…
  index.add('data', id, pack(2), 500, 10, 0);
  index.add('data', id, pack(1), 900, 10, 0); // …so its copy is the one looked up
  index.add('data', id, pack(1), 100, 10, 0);
  index.add('data', id, pack(2), 500, 10, 0); // the same place again: once
  assert.deepEqual(
    index.locations('data', id).map((l) => [l.packId, l.offset]),
    [
      [pack(1), 100],
      [pack(1), 900],
      [pack(2), 500],
    ],
  );
  assert.equal(index.duplicateCount, 1);
  assert.equal(index.blobCount, 1);
  index.add('data', id, pack(0), 0, 10, 0);
  index.add('data', id, pack(1), 900, 10, 0);
  assert.deepEqual(
    index.locations('data', id).map((l) => [l.packId, l.offset]),
    [
      [pack(1), 100],
      [pack(1), 900],
      [pack(2), 500],
      [pack(0), 0],
    ],
  );
  assert.equal(index.lookup('data', id)?.offset, 100);
  assert.equal([...index.allCopies()].length, 4);
  assert.deepEqual(
    [...index.allCopies()].map((l) => [l.type, l.id]),
    Array.from({ length: 4 }, () => ['data', id]),
  );
});

test('master index: 20,000 blobs loaded, then 15,000 more added between lookups (several sorted in), all found with their places', () => {
  const index = new MasterIndex(16);
  index.reserve(5000); // a hint too small: the rows past it grow as without it
  const places = new Map<string, [BlobType, Id, number, number]>();
  // every 7th ID is both a data blob and a tree: two blobs whose keys differ by the type only
  const typesOf = (n: number): BlobType[] => (n % 7 === 0 ? ['data', 'tree'] : [n % 5 === 0 ? 'tree' : 'data']);
  const put = (n: number, type: BlobType): void => {
    const id = blobId(n);
    const packNo = n >> 8;
    const offset = (n & 255) * 1000 + (type === 'tree' ? 1 : 0);
    const [length, plain] = sizes(id, packNo, offset);
    index.add(type, id, pack(packNo), offset, length, plain);
    places.set(`${type} ${id}`, [type, id, packNo, offset]);
  };
  for (let n = 0; n < 20_000; n++) for (const type of typesOf(n)) put(n, type);
  assert.equal(index.blobCount, places.size);
  for (let n = 20_000; n < 35_000; n++) {
    for (const type of typesOf(n)) {
      assert.equal(index.has(type, blobId(n)), false);
      put(n, type);
      assert.equal(index.has(type, blobId(n)), true, `blob ${n} just added`);
    }
  }
  assert.equal(index.blobCount, places.size);
  assert.equal(index.packCount, Math.ceil(35_000 / 256));
  for (const [type, id, packNo, offset] of places.values()) {
    const [length, plain] = sizes(id, packNo, offset);
    assert.deepEqual(index.lookup(type, id), { type, id, packId: pack(packNo), offset, length, uncompressedLength: plain });
    const other = type === 'tree' ? 'data' : 'tree';
    assert.equal(index.has(other, id), places.has(`${other} ${id}`));
  }
  for (let n = 35_000; n < 36_000; n++) assert.equal(index.has('data', blobId(n)), false);
  const seen = new Set<string>();
  for (const b of index.blobs()) {
    assert.ok(places.has(`${b.type} ${b.id}`));
    seen.add(`${b.type} ${b.id}`);
  }
  assert.equal(seen.size, places.size, 'blobs() yields each blob once');
  assert.equal(index.duplicateCount, 0);
});

/** What the index should answer, kept in a Map: every place of a blob, in the order `locations` gives. */
class Model {
  private readonly loading = new Map<string, [number, number][]>();
  private readonly settled = new Map<string, [number, number][]>();
  private isSettled = false;
  constructor(private readonly packOrder: Map<number, number>) {}

  add(key: string, packNo: number, offset: number): void {
    if (!this.isSettled) {
      const l = this.loading.get(key) ?? [];
      l.push([packNo, offset]);
      this.loading.set(key, l);
      return;
    }
    const l = this.settled.get(key);
    if (!l) this.settled.set(key, [[packNo, offset]]);
    else if (!l.some(([p, o]) => p === packNo && o === offset)) l.push([packNo, offset]);
  }

  places(key: string): [number, number][] {
    this.settle();
    return this.settled.get(key) ?? [];
  }

  get size(): number {
    this.settle();
    return this.settled.size;
  }

  get duplicates(): number {
    this.settle();
    return [...this.settled.values()].filter((l) => l.length > 1).length;
  }

  private settle(): void {
    if (this.isSettled) return;
    this.isSettled = true;
    for (const [key, l] of this.loading) {
      const order = (p: number): number => this.packOrder.get(p)!;
      const sorted = [...l].sort((a, b) => order(a[0]) - order(b[0]) || a[1] - b[1]);
      this.settled.set(
        key,
        sorted.filter(([p, o], i) => sorted.findIndex(([q, r]) => q === p && r === o) === i),
      );
    }
  }
}

test('master index: any mix of adds and questions answers as a Map of places does (property)', () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('add' as const), blob: fc.nat(40), tree: fc.boolean(), pack: fc.nat(6), slot: fc.nat(3) }),
    fc.record({ kind: fc.constant('ask' as const), blob: fc.nat(45), tree: fc.boolean() }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
      const index = new MasterIndex(16);
      const packOrder = new Map<number, number>();
      const model = new Model(packOrder);
      for (const o of ops) {
        const id = blobId(o.blob);
        const type: BlobType = o.tree ? 'tree' : 'data';
        const key = `${type} ${id}`;
        if (o.kind === 'add') {
          const offset = o.slot * 4096;
          const [length, plain] = sizes(id, o.pack, offset);
          if (!packOrder.has(o.pack)) packOrder.set(o.pack, packOrder.size);
          index.add(type, id, pack(o.pack), offset, length, plain);
          model.add(key, o.pack, offset);
          continue;
        }
        const expected = model.places(key).map(([p, offset]) => {
          const [length, uncompressedLength] = sizes(id, p, offset);
          return { type, id, packId: pack(p), offset, length, uncompressedLength };
        });
        assert.deepEqual(index.locations(type, id), expected);
        assert.deepEqual(index.lookup(type, id), expected[0]);
        assert.equal(index.has(type, id), expected.length > 0);
      }
      assert.equal(index.blobCount, model.size);
      assert.equal(index.duplicateCount, model.duplicates);
      assert.equal([...index.blobs()].length, model.size);
    }),
    { numRuns: 300 },
  );
});

test('master index: raw-key adds and questions read the ID at any offset of a buffer', () => {
  const index = new MasterIndex();
  const header = Buffer.alloc(3 + 32 * 3);
  for (let k = 0; k < 3; k++) Buffer.from(blobId(k), 'hex').copy(header, 3 + k * 32);
  for (let k = 0; k < 3; k++) index.addKey('data', header.subarray(3 + k * 32, 3 + k * 32 + 32), pack(0), k * 10, 10, 0);
  for (let k = 0; k < 3; k++) {
    assert.ok(index.hasKey('data', header.subarray(3 + k * 32, 3 + k * 32 + 32)));
    assert.equal(index.lookup('data', blobId(k))?.offset, k * 10);
  }
  assert.equal(index.hasKey('tree', header.subarray(3, 35)), false);
});

test('master index: 46 bytes a row, about 40 a pack and a small bucket table, as footprint tells', () => {
  const index = new MasterIndex();
  const blobs = 20_000;
  for (let n = 0; n < blobs; n++) {
    const [length, plain] = n % 1000 === 0 ? [LARGE[(n / 1000) % 4]!, 2 ** 32 - 1] : [100 + n, 0];
    index.add(n % 3 === 0 ? 'tree' : 'data', blobId(n), pack(n % 1000), n, length, plain);
  }
  const f = index.footprint();
  assert.equal(f.blobs, blobs);
  assert.equal(f.rows, blobs * 46);
  assert.ok(f.packs <= 1000 * 48, `${f.packs} bytes for 1,000 packs`);
  assert.ok(f.buckets <= blobs / 4, `${f.buckets} bytes of buckets for ${blobs} blobs`);
  assert.equal(f.pendingHash, 0);
  assert.equal(f.largeLengths, 20 * 2 * 8, 'every large blob has a side entry; the others none');
  for (let n = 0; n < blobs; n += 1000) {
    const type = n % 3 === 0 ? 'tree' : 'data';
    assert.deepEqual(index.lookup(type, blobId(n)), { type, id: blobId(n), packId: pack(n % 1000), offset: n, length: LARGE[(n / 1000) % 4], uncompressedLength: 2 ** 32 - 1 });
    assert.equal(index.plaintextSize(type, blobId(n)), 2 ** 32 - 1);
  }
});
