/**
 * prune on a repository whose index lacks a blob that a pack holds says "in no index" and points
 * to `repair index` (issue 14), not "in no existing pack"; restic refuses that prune as well.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openBackend } from '../../src/backend/location/index.js';
import { Repository } from '../../src/repository/index.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let work: string;

before(async () => {
  work = await makeTempDir('lifeboat-prune-unindexed-');
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Rewrites the index without the packs holding data blobs: the packs stay, nothing indexes them. */
async function unindexDataPacks(repoPath: string): Promise<string[]> {
  const backend = await openBackend(repoPath);
  try {
    const repo = await Repository.open(backend, { password: TEST_PASSWORD });
    const dropped: string[] = [];
    const old: string[] = [];
    const keep = [];
    for await (const f of repo.listFiles('index')) {
      old.push(f.id);
      for (const p of await repo.loadIndexFile(f.id)) {
        if (p.blobs.some((b) => b.type === 'data')) dropped.push(p.id);
        else keep.push(p);
      }
    }
    await repo.saveIndexFile(keep);
    for (const id of old) await repo.removeFile('index', id as never);
    return dropped;
  } finally {
    await backend.close();
  }
}

test('a used blob that only an unindexed pack holds: "in no index", repair index, then prune works', async () => {
  const src = join(work, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'config.xml'), '<config version="7"/>\n'.repeat(200));
  const repo = join(work, 'repo');
  await lifeboatOk(repo, ['init']);
  await lifeboatOk(repo, ['backup', src]);
  writeFileSync(join(src, 'config.xml'), '<config version="8"/>\n'.repeat(200));
  await lifeboatOk(repo, ['backup', src]);
  const dropped = await unindexDataPacks(repo);
  assert.ok(dropped.length >= 1);

  const r = await lifeboat(repo, ['prune']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /data blob [0-9a-f]{64} is used by a snapshot but in no index \(\d+ packs? (is|are) in no index either/);
  assert.doesNotMatch(r.stderr, /no existing pack/);
  assert.match(r.stderr, /hint: run `lifeboat repair index`/);
  const theirs = await restic(repo, ['prune'], { allowFail: true });
  assert.notEqual(theirs.code, 0, 'restic refuses this prune too');

  await lifeboatOk(repo, ['repair', 'index']);
  await lifeboatOk(repo, ['prune']);
  await restic(repo, ['check', '--read-data']);
});

test('a used blob whose indexed pack is gone: "in no existing pack"', async () => {
  const src = join(work, 'src2');
  mkdirSync(src);
  writeFileSync(join(src, 'a'), 'a');
  const repo = join(work, 'repo2');
  await lifeboatOk(repo, ['init']);
  await lifeboatOk(repo, ['backup', src]);
  const dataPacks = (await restic(repo, ['list', 'index'])).stdout.toString().trim().split('\n');
  for (const id of dataPacks) {
    const index = JSON.parse((await restic(repo, ['cat', 'index', id])).stdout.toString()) as { packs: { id: string; blobs: { type: string }[] }[] };
    for (const p of index.packs) if (p.blobs.some((b) => b.type === 'data')) rmSync(join(repo, 'data', p.id.slice(0, 2), p.id));
  }
  const r = await lifeboat(repo, ['prune']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /data blob [0-9a-f]{64} is used by a snapshot but in no existing pack \(the index names [0-9a-f]{64}, which is missing\)/);
});
