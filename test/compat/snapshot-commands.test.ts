/** diff, tag and stats agree with restic on the same repository. */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let work: string;
let repo: string;
let ids: string[];

before(async () => {
  work = await makeTempDir('lifeboat-snapcmd-');
  repo = join(work, 'repo');
  const src = join(work, 'src');
  mkdirSync(join(src, 'sub', 'deep'), { recursive: true });
  writeFileSync(join(src, 'a'), 'a');
  writeFileSync(join(src, 'sub', 'b'), 'b');
  writeFileSync(join(src, 'sub', 'deep', 'c'), 'c'.repeat(100_000));
  await lifeboatOk(repo, ['init']);
  await lifeboatOk(repo, ['backup', src]);
  writeFileSync(join(src, 'a'), 'changed');
  rmSync(join(src, 'sub', 'deep'), { recursive: true });
  writeFileSync(join(src, 'new'), 'new');
  chmodSync(join(src, 'sub', 'b'), 0o600);
  await lifeboatOk(repo, ['backup', src]);
  ids = (JSON.parse((await lifeboatOk(repo, ['snapshots', '--json'])).stdout.toString()) as { id: string }[]).map((s) => s.id);
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

test('diff lists the same changes as restic', async () => {
  const lines = (b: Buffer): string[] =>
    b
      .toString()
      .split('\n')
      .filter((l) => /^[+\-MT] {4}\//.test(l))
      .sort();
  const ours = lines((await lifeboatOk(repo, ['diff', ids[0]!, ids[1]!])).stdout);
  const theirs = lines((await restic(repo, ['diff', ids[0]!, ids[1]!])).stdout);
  assert.ok(ours.length >= 4);
  assert.deepEqual(ours, theirs);
  const meta = (await lifeboatOk(repo, ['diff', '--metadata', ids[0]!, ids[1]!])).stdout.toString();
  assert.match(meta, /U {4}.*\/sub\/b\n/);
});

test('stats raw-data equals restic, tags are seen by restic', async () => {
  const ours = JSON.parse((await lifeboatOk(repo, ['stats', '--json', '--mode', 'raw-data'])).stdout.toString()) as Record<string, number>;
  const theirs = JSON.parse((await restic(repo, ['stats', '--json', '--mode', 'raw-data'])).stdout.toString()) as Record<string, number>;
  assert.equal(ours.total_size, theirs.total_size);
  assert.equal(ours.total_blob_count, theirs.total_blob_count);
  await lifeboatOk(repo, ['tag', '--add', 'before-migration', ids[1]!]);
  const tagged = JSON.parse((await restic(repo, ['snapshots', '--json', '--tag', 'before-migration'])).stdout.toString()) as { original?: string }[];
  assert.equal(tagged.length, 1);
  assert.equal(tagged[0]!.original, ids[1]);
  await lifeboatOk(repo, ['tag', '--set', 'x,y', '--tag', 'before-migration']);
  const set = JSON.parse((await restic(repo, ['snapshots', '--json', '--tag', 'x,y'])).stdout.toString()) as { tags: string[]; original?: string }[];
  assert.deepEqual(
    set.map((s) => s.tags),
    [['x', 'y']],
  );
  assert.equal(set[0]!.original, ids[1]);
  await restic(repo, ['check']);
});

test('find names files across snapshots, by name or by path pattern', async () => {
  const byName = (await lifeboatOk(repo, ['find', 'c'])).stdout.toString();
  assert.match(byName, /Found matching entries in snapshot [0-9a-f]{8}/);
  assert.match(byName, /\/sub\/deep\/c\n/);
  const json = (JSON.parse((await lifeboatOk(repo, ['find', '--json', '**/sub/*'])).stdout.toString()) as { matches: { path: string }[] }[]).flatMap((s) => s.matches);
  assert.ok(json.some((m) => m.path.endsWith('/sub/b')));
  assert.ok(json.every((m) => m.path.includes('/sub/')));
});
