/**
 * A repository in restic's old s3legacy layout (`key/`, `snapshot/`, flat `data/`), which restic
 * 0.14 still reads and writes, is opened, never reported as damaged (issue 14): Lifeboat lists,
 * checks and restores restic's snapshot, and what it adds restic reads in that layout.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { describeTree, diffTrees, expectedAsRestic014, makeEveryKindTree } from '../helpers/tree-fixture.js';

let work: string;

before(async () => {
  work = await makeTempDir('lifeboat-s3legacy-');
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

test('an s3legacy repository made by restic 0.14 is read, checked, restored and written', async () => {
  const src = join(work, 'src');
  mkdirSync(src);
  makeEveryKindTree(src, { largeSize: 2 * 1024 * 1024 });
  const repo = join(work, 'repo');
  await restic(repo, ['init', '-o', 'local.layout=s3legacy']);
  await restic(repo, ['backup', src]);
  assert.ok(existsSync(join(repo, 'key')) && !existsSync(join(repo, 'keys')), 'restic made the s3legacy layout');
  assert.ok(
    readdirSync(join(repo, 'data')).every((n) => /^[0-9a-f]{64}$/.test(n)),
    'data/ is flat',
  );

  const snaps = JSON.parse((await lifeboatOk(repo, ['snapshots', '--json'])).stdout.toString()) as { id: string }[];
  assert.equal(snaps.length, 1);
  const ours = (await lifeboatOk(repo, ['ls', '--json', snaps[0]!.id])).stdout.toString();
  const theirs = (await restic(repo, ['ls', '--json', snaps[0]!.id])).stdout.toString();
  // compared as parsed JSON: Go escapes <, > and & in strings, which says the same thing
  const lines = (s: string): string[] =>
    s
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.stringify(JSON.parse(l)))
      .sort();
  assert.deepEqual(lines(ours), lines(theirs));
  await lifeboatOk(repo, ['check', '--read-data']);
  const target = join(work, 'target');
  await lifeboatOk(repo, ['restore', `latest:${src}`, '--target', target]);
  assert.deepEqual(diffTrees(expectedAsRestic014(describeTree(src)), describeTree(target)), []);

  writeFileSync(join(src, 'added-later.txt'), 'written by lifeboat into an s3legacy repository\n');
  await lifeboatOk(repo, ['backup', src]);
  assert.ok(!existsSync(join(repo, 'snapshots')) && !existsSync(join(repo, 'keys')), 'the layout stays s3legacy');
  assert.ok(
    readdirSync(join(repo, 'data')).every((n) => /^[0-9a-f]{64}$/.test(n)),
    'data/ stays flat',
  );
  await restic(repo, ['check', '--read-data']);
  const after = JSON.parse((await restic(repo, ['snapshots', '--json'])).stdout.toString()) as unknown[];
  assert.equal(after.length, 2);
  const rtarget = join(work, 'rtarget');
  await restic(repo, ['restore', 'latest', '--target', rtarget]);
  assert.deepEqual(diffTrees(expectedAsRestic014(describeTree(src)), describeTree(join(rtarget, src))), []);
});
