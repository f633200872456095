import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import { Repository, RepositoryWriter } from '../../repository/index.js';
import { type Node, encodeTree } from '../../repository/model/index.js';
import { makeTestRepository } from '../../repository/testing/test-repository.js';
import { testFileNode } from '../../repository/testing/test-node.js';
import { describePrunePlan, executePrune, planPrune } from './index.js';

const TIME = '2026-12-05T08:00:00Z';

const fileNode = (name: string, content: Id[]): Node => testFileNode(name, { content });

async function files(repo: Repository): Promise<string[]> {
  const names: string[] = [];
  for (const type of ['data', 'index', 'snapshots'] as const) for await (const f of repo.listFiles(type)) names.push(`${type}/${f.id}`);
  return names.sort();
}

test('planPrune decides and writes nothing; executePrune carries the plan out, copying kept blobs as stored', async () => {
  const repo = await makeTestRepository();
  const writer = new RepositoryWriter(repo);
  const kept = await writer.saveDataBlob(Buffer.from('kept: a snapshot uses this blob\n'.repeat(100)));
  const dropped = await writer.saveDataBlob(Buffer.from('dropped: no snapshot uses this blob\n'.repeat(100)));
  const keptTree = await writer.saveTree(encodeTree([fileNode('kept.txt', [kept])]));
  await writer.saveTree(encodeTree([fileNode('dropped.txt', [dropped])]));
  await writer.flush();
  await writer.saveSnapshot({ time: TIME, tree: keptTree, paths: ['/srv'] });
  const keptLoc = repo.index.lookup('data', kept)!;
  const keptSealed = await repo.loadPackRange(keptLoc.packId, keptLoc.offset, keptLoc.length);

  const before = await files(repo);
  const plan = await planPrune(repo, { maxUnused: { bytes: 0 } });
  assert.deepEqual(await files(repo), before, 'planning wrote or removed a file');
  // one data pack and one tree pack, each half used: both repacked
  assert.equal(plan.stats.usedBlobs, 2);
  assert.equal(plan.stats.unusedBlobs, 2);
  assert.equal(plan.toRepack.length, 2);
  assert.deepEqual(plan.toDelete, []);
  const described = describePrunePlan(plan);
  assert.deepEqual(described.repack.sort(), plan.toRepack.map((p) => p.id).sort());
  assert.equal(described.packsToRepack, 2);
  assert.deepEqual(JSON.parse(JSON.stringify(described)), described, 'the description is plain data');

  const stats = await executePrune(repo, plan);
  assert.equal(stats.newPacks, 2);
  const after = await Repository.open(repo.backend, { password: 'test' });
  await after.loadIndex();
  assert.equal(after.index.lookup('data', dropped), undefined);
  const moved = after.index.lookup('data', kept)!;
  assert.notEqual(moved.packId, keptLoc.packId);
  assert.deepEqual(await after.loadPackRange(moved.packId, moved.offset, moved.length), keptSealed, 'the kept blob was re-encrypted instead of copied');
  assert.match((await after.loadBlob('data', kept)).toString(), /^kept: /);
  for (const p of plan.toRepack) assert.ok(!(await files(after)).includes(`data/${p.id}`), `pack ${p.id} was not removed`);

  const again = await planPrune(after, { maxUnused: { bytes: 0 } });
  assert.equal(again.stats.unusedBlobs, 0);
  assert.equal(again.toRepack.length + again.toDelete.length + again.unindexed.length, 0);
});

test('a prune with nothing to delete or repack leaves the index files as they are; an indexed pack that is gone still makes it rewrite them', async () => {
  const repo = await makeTestRepository();
  const writer = new RepositoryWriter(repo);
  const used = await writer.saveDataBlob(Buffer.from('used by the snapshot\n'.repeat(100)));
  const tree = await writer.saveTree(encodeTree([fileNode('used.txt', [used])]));
  await writer.flush();
  await writer.saveSnapshot({ time: TIME, tree, paths: ['/srv'] });
  const before = await files(repo);

  const plan = await planPrune(repo);
  assert.ok(plan.indexCurrent);
  const stats = await executePrune(repo, plan);
  assert.equal(stats.newPacks, 0);
  assert.deepEqual(await files(repo), before, 'a prune that changes nothing wrote or removed a file');

  // a second, unused pack that the index names but that is gone from data/
  const orphan = new RepositoryWriter(repo);
  const lost = await orphan.saveDataBlob(Buffer.from('in a pack that will be gone\n'.repeat(100)));
  await orphan.flush();
  const lostPack = repo.index.lookup('data', lost)!.packId;
  await repo.removeFile('data', lostPack);
  const gone = await planPrune(repo);
  assert.equal(gone.indexCurrent, false);
  await executePrune(repo, gone);
  const after = await Repository.open(repo.backend, { password: 'test' });
  await after.loadIndex();
  assert.equal(after.index.lookup('data', lost), undefined, 'the entry of the pack that is gone was dropped from the index');
  assert.ok(after.index.lookup('data', used));
});
