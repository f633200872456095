/**
 * A pack holding both tree and data blobs (old restic versions wrote them) is a hint for check,
 * printed with restic's advice, not an error; restic 0.14 says the same of the same repository,
 * and prune repacks it (issue 14).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openBackend } from '../../src/backend/location/index.js';
import { Repository } from '../../src/repository/index.js';
import { type PackFile, PackFileWriter, blobCompressionLevel, packFileBlobs } from '../../src/repository/pack/index.js';
import { sha256Id } from '../../src/core/index.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let work: string;

before(async () => {
  work = await makeTempDir('lifeboat-mixed-pack-');
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Adds one indexed pack with a data blob and a tree blob in it; returns its ID. */
async function addMixedPack(repoPath: string): Promise<string> {
  const backend = await openBackend(repoPath);
  try {
    const repo = await Repository.open(backend, { password: TEST_PASSWORD });
    const packs: PackFile[] = [];
    const writer = new PackFileWriter(repo.key, blobCompressionLevel(repo.version, 'auto'), (p) => packs.push(p));
    const data = Buffer.from('a data blob that shares its pack with a tree\n');
    const tree = Buffer.from('{"nodes":[]}\n');
    writer.addBlob('data', sha256Id(data), data);
    writer.addBlob('tree', sha256Id(tree), tree);
    writer.finish();
    const pack = packs[0]!;
    await repo.savePackFile(pack);
    await repo.saveIndexFile([{ id: pack.id, blobs: packFileBlobs(pack) }]);
    return pack.id;
  } finally {
    await backend.close();
  }
}

test('check prints the mixed-pack hint as restic does, exits 0; prune repacks the pack', async () => {
  const src = join(work, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'a'), 'a');
  const repo = join(work, 'repo');
  await lifeboatOk(repo, ['init']);
  await lifeboatOk(repo, ['backup', src]);
  const packId = await addMixedPack(repo);

  const theirs = await restic(repo, ['check']);
  const advice = /Mixed packs with tree and data blobs are non-critical, you can run `(restic|lifeboat) prune` to correct this\./;
  assert.match(theirs.stdout.toString() + theirs.stderr, advice);
  assert.match(theirs.stdout.toString() + theirs.stderr, new RegExp(`pack ${packId.slice(0, 8)} contains a mix of tree and data blobs`));

  const ours = await lifeboat(repo, ['check']);
  assert.equal(ours.code, 0, ours.stderr);
  assert.match(ours.stderr, new RegExp(`hint: pack ${packId} contains a mix of tree and data blobs`));
  assert.match(ours.stdout.toString(), advice);
  assert.match(ours.stdout.toString(), /no errors were found/);
  const json = (await lifeboatOk(repo, ['check', '--json'])).stdout
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind?: string; pack?: string });
  assert.ok(json.some((f) => f.kind === 'pack-mixed' && f.pack === packId));

  await lifeboatOk(repo, ['prune']);
  const after = await lifeboatOk(repo, ['check']);
  assert.doesNotMatch(after.stdout.toString() + after.stderr, /mix/i);
  await restic(repo, ['check']);
});
