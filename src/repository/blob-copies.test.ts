/**
 * Issue 20 defect 5, below the CLI: a blob whose stored copy fails verification is stored again
 * by the next writer, the master index keeps every copy, and loading a blob tries each copy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handle } from '../backend/index.js';
import { type Id, IntegrityError } from '../core/index.js';
import { MasterIndex } from './index/master-index.js';
import { Repository } from './repository.js';
import { makeTestRepository } from './testing/test-repository.js';
import { RepositoryWriter } from './writer.js';

/** Flips one byte of a stored pack (the memory backend refuses overwrites: remove, then save). */
async function damage(repo: Repository, packId: Id, at: number): Promise<void> {
  const h = handle('data', packId);
  const bytes = await repo.backend.load(h, 0, 0);
  bytes[at] = bytes[at]! ^ 0xff;
  await repo.backend.remove(h);
  await repo.backend.save(h, bytes);
}

test('master index: a blob listed in two packs keeps both copies, the same place once', () => {
  const index = new MasterIndex();
  const id = 'ab'.repeat(32) as Id;
  const other = 'cd'.repeat(32) as Id;
  index.add('tree', id, '01'.repeat(32) as Id, 0, 100, 0);
  index.add('tree', id, '01'.repeat(32) as Id, 0, 100, 0);
  index.add('tree', id, '02'.repeat(32) as Id, 64, 90, 120);
  index.add('tree', id, '02'.repeat(32) as Id, 64, 90, 120);
  index.add('data', other, '01'.repeat(32) as Id, 100, 50, 0);
  assert.equal(index.blobCount, 2);
  assert.equal(index.duplicateCount, 1);
  assert.deepEqual(
    index.locations('tree', id).map((l) => [l.packId.slice(0, 2), l.offset, l.length, l.uncompressedLength]),
    [
      ['01', 0, 100, 0],
      ['02', 64, 90, 120],
    ],
  );
  assert.equal(index.lookup('tree', id)?.packId, '01'.repeat(32), 'the first location stays the one looked up');
  assert.deepEqual(index.locations('data', id), []);
  assert.equal([...index.blobs()].length, 2);
  assert.equal([...index.allCopies()].length, 3);
});

test('issue 20 defect 5: a blob whose copy fails verification is stored again, and reads reach the new copy', async () => {
  const repo = await makeTestRepository();
  const tree = Buffer.from('{"nodes":[]}\n');
  const w1 = new RepositoryWriter(repo);
  const id = await w1.saveTree(tree);
  await w1.flush();
  const first = repo.index.lookup('tree', id)!;
  const w0 = new RepositoryWriter(repo);
  assert.equal(w0.reserve('tree', id), false, 'an indexed blob that reads well is not stored again');

  await damage(repo, first.packId, first.offset + 20);
  await assert.rejects(repo.loadBlob('tree', id), IntegrityError);
  assert.ok(repo.isUnreadable('tree', id));
  assert.ok(repo.copyFailed(first.packId, first.offset));

  const w2 = new RepositoryWriter(repo);
  assert.equal(w2.isStored('tree', id), false);
  assert.equal(await w2.saveTree(tree), id);
  assert.equal(await w2.saveTree(tree), id);
  await w2.flush();
  assert.equal(w2.stats.treeBlobs, 1, 'stored again, once');
  const copies = repo.index.locations('tree', id);
  assert.equal(copies.length, 2);
  assert.notEqual(copies[1]!.packId, first.packId, 'in a new pack');
  assert.deepEqual(await repo.loadBlob('tree', id), tree);

  // another session loads the index files in any order and still reads the intact copy
  const again = await Repository.open(repo.backend, { password: 'test' });
  await again.loadIndex();
  assert.equal(again.index.locations('tree', id).length, 2);
  assert.deepEqual(await again.loadBlob('tree', id), tree);
  assert.equal(again.isUnreadable('tree', id), false);
  assert.equal(new RepositoryWriter(again).reserve('tree', id), false);
});
