import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Id } from '../../core/index.js';
import type { BlobType } from '../pack/header.js';
import { BlobSet } from './blob-set.js';

/** A deterministic blob ID; `sameHome` IDs share their first 4 bytes (one home slot: probing). */
function blobId(n: number, sameHome = false): Id {
  const h = createHash('sha256').update(String(n)).digest();
  if (sameHome) h.writeUInt32LE(0x9e3779b9, 0);
  return h.toString('hex') as Id;
}

const key = (id: Id): Buffer => Buffer.from(id, 'hex');
const sorted = (xs: Iterable<{ type: BlobType; id: Id }>): string[] => [...xs].map((b) => `${b.type}:${b.id}`).sort();

test('blob set: a data blob and a tree with the same ID are two members', () => {
  const set = new BlobSet();
  assert.equal(set.has('data', blobId(1)), false);
  assert.equal(set.add('data', blobId(1)), true);
  assert.equal(set.add('data', blobId(1)), false);
  assert.equal(set.has('tree', blobId(1)), false);
  assert.equal(set.add('tree', blobId(1)), true);
  assert.equal(set.size, 2);
  assert.equal(set.markKey('tree', key(blobId(1))), true);
  assert.equal(set.markKey('tree', key(blobId(1))), false, 'marked once');
  assert.equal(set.markKey('data', key(blobId(2))), false, 'not a member');
  assert.deepEqual(sorted(set.unmarked()), [`data:${blobId(1)}`]);
});

test('blob set: behaves as a set of type:ID strings through growth and collisions (property)', () => {
  const op = fc.record({
    kind: fc.constantFrom('add', 'has', 'mark'),
    type: fc.constantFrom<BlobType>('data', 'tree'),
    n: fc.integer({ min: 0, max: 1500 }),
    sameHome: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 3000, size: 'max' }), fc.integer({ min: 0, max: 64 }), (ops, expected) => {
      const set = new BlobSet(expected);
      const members = new Set<string>();
      const marked = new Set<string>();
      for (const { kind, type, n, sameHome } of ops) {
        const id = blobId(n, sameHome);
        const k = `${type}:${id}`;
        if (kind === 'add') {
          assert.equal(set.add(type, id), !members.has(k));
          members.add(k);
        } else if (kind === 'has') {
          assert.equal(set.has(type, id), members.has(k));
          assert.equal(set.hasKey(type, key(id)), members.has(k));
        } else {
          assert.equal(set.markKey(type, key(id)), members.has(k) && !marked.has(k));
          if (members.has(k)) marked.add(k);
        }
      }
      assert.equal(set.size, members.size);
      assert.deepEqual(sorted(set.blobs()), [...members].sort());
      assert.deepEqual(sorted(set.unmarked()), [...members].filter((k) => !marked.has(k)).sort());
    }),
    { numRuns: 60 },
  );
});
