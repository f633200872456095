/**
 * prune and blobs stored twice: the copy that failed verification while the trees were walked
 * is never the one kept (issue 20 defect 5: the good copy a later backup stored survives).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handle } from '../../backend/index.js';
import { Repository, RepositoryWriter } from '../../repository/index.js';
import { makeTestRepository } from '../../repository/testing/test-repository.js';
import { prune } from './prune.js';

test('issue 20 defect 5: prune keeps the intact copy of a blob and drops the damaged one', async () => {
  const repo = await makeTestRepository();
  const tree = Buffer.from('{"nodes":[]}\n');
  const w1 = new RepositoryWriter(repo);
  const id = await w1.saveTree(tree);
  await w1.flush();
  await w1.saveSnapshot({ time: '2024-01-02T03:04:05Z', tree: id, paths: ['/x'], hostname: 'h', username: 'u' });
  const damaged = repo.index.lookup('tree', id)!;
  const h = handle('data', damaged.packId);
  const bytes = await repo.backend.load(h, 0, 0);
  bytes[damaged.offset + 20] = bytes[damaged.offset + 20]! ^ 0xff;
  await repo.backend.remove(h);
  await repo.backend.save(h, bytes);
  await assert.rejects(repo.loadBlob('tree', id));
  const w2 = new RepositoryWriter(repo);
  await w2.saveTree(tree);
  await w2.flush();

  // a new session, as `lifeboat prune` is: the damaged copy is listed first (oldest index file)
  const session = await Repository.open(repo.backend, { password: 'test' });
  await session.loadIndex();
  const stats = await prune(session, {});
  assert.equal(stats.packsToDelete, 1, 'the pack holding only the damaged copy');
  const after = await Repository.open(repo.backend, { password: 'test' });
  await after.loadIndex();
  assert.deepEqual(
    after.index
      .locations('tree', id)
      .map((l) => l.packId)
      .includes(damaged.packId),
    false,
  );
  assert.deepEqual(await after.loadBlob('tree', id), tree);
});
