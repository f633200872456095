/**
 * Lifeboat reads what the real restic writes: repositories made by restic at test time
 * (versions 1 and 2, compression auto/off/max) over a tree with every kind of entry are
 * restored by Lifeboat and compared entry by entry; `ls --json` and `snapshots --json` are
 * compared with restic's own output.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { allocatedBytes, describeTree, diffTrees, expectedAsRestic014, makeEveryKindTree } from '../helpers/tree-fixture.js';
import { rm } from 'node:fs/promises';

const variants = [
  { name: 'v1', init: ['--repository-version', '1'], backup: [] as string[] },
  { name: 'v2-auto', init: ['--repository-version', '2'], backup: ['--compression', 'auto'] },
  { name: 'v2-off', init: ['--repository-version', '2'], backup: ['--compression', 'off'] },
  { name: 'v2-max', init: ['--repository-version', '2'], backup: ['--compression', 'max'] },
];

function jsonLines(buf: Buffer): Record<string, unknown>[] {
  return buf
    .toString()
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('reading repositories written by restic', () => {
  let work: string;
  let src: string;
  let expected: ReturnType<typeof describeTree>;

  before(async () => {
    work = await makeTempDir('lifeboat-compat-read-');
    src = join(work, 'src');
    mkdirSync(src);
    makeEveryKindTree(src);
    expected = describeTree(src);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  for (const v of variants) {
    test(`restore, ls and snapshots match restic (${v.name})`, async () => {
      const repo = join(work, `repo-${v.name}`);
      await restic(repo, ['init', ...v.init]);
      await restic(repo, ['backup', '--host', 'testhost', '--tag', 't1,t2', ...v.backup, src]);
      await restic(repo, ['backup', '--host', 'otherhost', ...v.backup, join(src, 'sub')]);

      // snapshots --json: same IDs, same fields
      const theirs = JSON.parse((await restic(repo, ['snapshots', '--json'])).stdout.toString()) as Record<string, unknown>[];
      const ours = JSON.parse((await lifeboatOk(repo, ['snapshots', '--json'])).stdout.toString()) as Record<string, unknown>[];
      assert.deepEqual(ours.map((s) => s.id).sort(), theirs.map((s) => s.id).sort());
      for (const t of theirs)
        assert.deepEqual(
          ours.find((o) => o.id === t.id),
          t,
        );

      // filters
      const filtered = JSON.parse((await lifeboatOk(repo, ['snapshots', '--json', '--host', 'otherhost'])).stdout.toString()) as unknown[];
      assert.equal(filtered.length, 1);
      const tagged = JSON.parse((await lifeboatOk(repo, ['snapshots', '--json', '--tag', 't1,t2'])).stdout.toString()) as unknown[];
      assert.equal(tagged.length, 1);

      // ls --json node by node
      const rls = jsonLines((await restic(repo, ['ls', '--json', '--host', 'testhost', 'latest'])).stdout);
      const lls = jsonLines((await lifeboatOk(repo, ['ls', '--json', '--host', 'testhost', 'latest'])).stdout);
      assert.equal(lls.length, rls.length);
      for (let i = 0; i < rls.length; i++) assert.deepEqual(lls[i], rls[i], `ls line ${i}`);

      // restore the backed-up directory and compare every entry
      const target = join(work, `restore-${v.name}`);
      const r = await lifeboat(repo, ['restore', `latest:${src}`, '--host', 'testhost', '--target', target, '--verify']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(diffTrees(expectedAsRestic014(expected), describeTree(target)), []);
      assert.ok(allocatedBytes(join(target, 'sparse.img')) < 1024 * 1024, 'sparse file restored sparse');
    });
  }

  test('restore --include/--exclude, a single file, and dump', async () => {
    const repo = join(work, 'repo-v2-auto');
    const target = join(work, 'restore-filtered');
    await lifeboatOk(repo, ['restore', 'latest', '--host', 'testhost', '--target', target, '--include', '*.csv', '--exclude', 'random*']);
    const files = describeTree(target, { times: false, xattrs: false });
    const kept = [...files.entries()].filter(([, e]) => e.type !== 'dir').map(([p]) => p);
    assert.deepEqual(kept, [`${src.slice(1)}/sub/deeper/text.csv`]);

    const single = join(work, 'restore-single');
    await lifeboatOk(repo, ['restore', `latest:${src}/hello.txt`, '--host', 'testhost', '--target', single]);
    assert.deepEqual(readdirSync(single), ['hello.txt']);
    assert.equal(readFileSync(join(single, 'hello.txt'), 'utf8'), 'hello world\n');

    const dumped = await lifeboatOk(repo, ['dump', '--host', 'testhost', 'latest', `${src}/large.bin`]);
    assert.ok(dumped.stdout.equals(readFileSync(join(src, 'large.bin'))));
    const tar = await lifeboatOk(repo, ['dump', '--host', 'testhost', 'latest', `${src}/sub`]);
    const theirTar = await restic(repo, ['dump', '--host', 'testhost', 'latest', `${src}/sub`]);
    assert.ok(tar.stdout.length > 300 * 1024);
    writeFileSync(join(work, 'ours.tar'), tar.stdout);
    writeFileSync(join(work, 'theirs.tar'), theirTar.stdout);
    const { execFileSync } = await import('node:child_process');
    const list = (f: string): string[] =>
      execFileSync('tar', ['-tvf', f], { encoding: 'utf8' })
        .split('\n')
        .map((l) => l.split(/\s+/).slice(5).join(' '))
        .sort();
    assert.deepEqual(list(join(work, 'ours.tar')), list(join(work, 'theirs.tar')));
  });

  test('wrong password exits 12, missing repository exits 10, ambiguous input is a clear error', async () => {
    const repo = join(work, 'repo-v2-auto');
    const wrong = await lifeboat(repo, ['snapshots'], { env: { LIFEBOAT_PASSWORD: `${TEST_PASSWORD}x` } });
    assert.equal(wrong.code, 12);
    assert.match(wrong.stderr, /wrong password/);
    assert.equal(wrong.stderr.trim().split('\n').length <= 2, true, wrong.stderr);
    const missing = await lifeboat(join(work, 'nope'), ['snapshots']);
    assert.equal(missing.code, 10);
    assert.match(missing.stderr, /no repository at/);
    const bad = await lifeboat(repo, ['ls', 'zzzz']);
    assert.equal(bad.code, 1);
    assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/);
  });
});
