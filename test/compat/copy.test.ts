/** copy between repositories: re-chunked when the polynomials differ, verbatim when they match. */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TEST_PASSWORD, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { describeTree, diffTrees, expectedAsRestic014, makeEveryKindTree } from '../helpers/tree-fixture.js';

let work: string;
let src: string;
let from: string;

before(async () => {
  work = await makeTempDir('lifeboat-copy-');
  src = join(work, 'src');
  mkdirSync(src);
  makeEveryKindTree(src, { largeSize: 3 * 1024 * 1024 });
  from = join(work, 'from');
  await lifeboatOk(from, ['init']);
  await lifeboatOk(from, ['backup', '--tag', 'a', src]);
  await lifeboatOk(from, ['backup', '--tag', 'b', join(src, 'sub')]);
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

const fromEnv = { LIFEBOAT_FROM_PASSWORD: TEST_PASSWORD };

test('copy into a restic-made repository (other polynomial) re-chunks; restic verifies and restores it', async () => {
  const to = join(work, 'to-restic');
  await restic(to, ['init']);
  const r = await lifeboatOk(to, ['copy', '--from-repo', from], { env: fromEnv });
  assert.match(r.stdout.toString(), /copied 2 snapshots, skipped 0 \(re-chunked/);
  await restic(to, ['check', '--read-data']);
  const snaps = JSON.parse((await restic(to, ['snapshots', '--json', '--tag', 'a'])).stdout.toString()) as { id: string; original: string }[];
  assert.equal(snaps.length, 1);
  const target = join(work, 'restored');
  await restic(to, ['restore', snaps[0]!.id, '--target', target]);
  assert.deepEqual(diffTrees(expectedAsRestic014(describeTree(src)), describeTree(join(target, src))), []);
  const again = await lifeboatOk(to, ['copy', '--from-repo', from], { env: fromEnv });
  assert.match(again.stdout.toString(), /copied 0 snapshots, skipped 2 .*; 0 data and 0 tree blobs added/);
});

test('with the same chunker parameters blobs and trees are copied as they are', async () => {
  const to = join(work, 'to-same');
  await lifeboatOk(to, ['init', '--copy-chunker-params', '--from-repo', from], { env: fromEnv });
  const r = await lifeboatOk(to, ['copy', '--from-repo', from, '--tag', 'a'], { env: fromEnv });
  assert.doesNotMatch(r.stdout.toString(), /re-chunked/);
  const tree = (repo: string): Promise<string> => lifeboatOk(repo, ['snapshots', '--json', '--tag', 'a']).then((x) => (JSON.parse(x.stdout.toString()) as { tree: string }[])[0]!.tree);
  assert.equal(await tree(to), await tree(from));
  await lifeboatOk(to, ['check', '--read-data']);
});
