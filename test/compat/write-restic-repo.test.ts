/**
 * restic reads what Lifeboat writes: Lifeboat backs up a tree holding every kind of entry;
 * `restic check --read-data` passes and `restic restore` reproduces the tree entry by entry
 * (repository versions 1 and 2). restic's own backup of the same tree into Lifeboat's
 * repository adds no data blob (same chunker, same blob and tree IDs), and Lifeboat backs up
 * into a repository restic created.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { describeTree, diffTrees, expectedAsRestic014, makeEveryKindTree } from '../helpers/tree-fixture.js';

function summaryOf(stdout: Buffer): Record<string, number | string> {
  const lines = stdout
    .toString()
    .split('\n')
    .filter((l) => l.includes('"summary"'));
  assert.ok(lines.length > 0, `no summary line in ${stdout.toString().slice(0, 400)}`);
  return JSON.parse(lines.at(-1)!) as Record<string, number | string>;
}

describe('repositories written by Lifeboat', () => {
  let work: string;
  let src: string;
  let expected: ReturnType<typeof describeTree>;

  before(async () => {
    work = await makeTempDir('lifeboat-compat-write-');
    src = join(work, 'src');
    mkdirSync(src);
    makeEveryKindTree(src);
    expected = describeTree(src);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  for (const version of ['1', '2']) {
    test(`restic checks and restores a Lifeboat backup (repository version ${version})`, async () => {
      const repo = join(work, `repo-v${version}`);
      await lifeboatOk(repo, ['init', '--repository-version', version]);
      const first = await lifeboatOk(repo, ['backup', '--json', '--tag', 'lifeboat', src]);
      const s1 = summaryOf(first.stdout);
      assert.ok(Number(s1.files_new) > 20);
      assert.equal(typeof s1.snapshot_id, 'string');

      const check = await restic(repo, ['check', '--read-data']);
      assert.match(check.stdout.toString(), /no errors were found/);

      const target = join(work, `restic-restore-v${version}`);
      await restic(repo, ['restore', s1.snapshot_id as string, '--target', target]);
      assert.deepEqual(diffTrees(expectedAsRestic014(expected), describeTree(join(target, src))), []);

      // incremental: nothing changed → no file read, no data added
      const second = await lifeboatOk(repo, ['backup', '--json', src]);
      const s2 = summaryOf(second.stdout);
      assert.equal(s2.files_unmodified, s1.files_new);
      assert.equal(s2.data_blobs, 0);
      assert.equal(s2.parent, s1.snapshot_id);

      // a change is picked up
      writeFileSync(join(src, 'added-later.txt'), 'new file');
      try {
        const third = summaryOf((await lifeboatOk(repo, ['backup', '--json', src])).stdout);
        assert.equal(third.files_new, 1);
      } finally {
        rmSync(join(src, 'added-later.txt'));
      }
      await restic(repo, ['check', '--read-data']);

      // restic's backup of the same tree adds no data blob: chunker and blob IDs match
      const theirs = summaryOf((await restic(repo, ['backup', '--json', '--force', src])).stdout);
      assert.equal(theirs.data_blobs, 0, JSON.stringify(theirs));
      assert.ok(Number(theirs.data_added) < 64 * 1024, `restic added ${theirs.data_added} bytes`);
    });
  }

  test('Lifeboat backs up into a repository restic created', async () => {
    const repo = join(work, 'repo-restic-made');
    await restic(repo, ['init']);
    await restic(repo, ['backup', join(src, 'sub')]);
    const s = summaryOf((await lifeboatOk(repo, ['backup', '--json', src])).stdout);
    assert.ok(Number(s.data_blobs) > 0);
    await restic(repo, ['check', '--read-data']);
    const target = join(work, 'restic-made-restore');
    await restic(repo, ['restore', 'latest', '--path', src, '--target', target]);
    assert.deepEqual(diffTrees(expectedAsRestic014(expected), describeTree(join(target, src))), []);
  });

  test('stdin and command backups; a failing command saves no snapshot', async () => {
    const repo = join(work, 'repo-v2');
    const data = Buffer.alloc(3 * 1024 * 1024, 'lifeboat stdin ');
    const r = summaryOf((await lifeboatOk(repo, ['backup', '--json', '--stdin', '--stdin-filename', 'dump.sql'], { input: data })).stdout);
    const dumped = await lifeboatOk(repo, ['dump', r.snapshot_id as string, '/dump.sql']);
    assert.ok(dumped.stdout.equals(data));
    const viaRestic = await restic(repo, ['dump', r.snapshot_id as string, '/dump.sql']);
    assert.ok(viaRestic.stdout.equals(data));

    const cmd = summaryOf((await lifeboatOk(repo, ['backup', '--json', '--stdin-from-command', '--stdin-filename', 'seq.txt', '--', 'seq', '1', '100000'])).stdout);
    const seq = await lifeboatOk(repo, ['dump', cmd.snapshot_id as string, '/seq.txt']);
    assert.equal(seq.stdout.toString().split('\n')[99999], '100000');

    const before = JSON.parse((await lifeboatOk(repo, ['snapshots', '--json'])).stdout.toString()) as unknown[];
    const failed = await lifeboat(repo, ['backup', '--stdin-from-command', '--', 'sh', '-c', 'echo partial; exit 3']);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /exited with code 3/);
    const afterList = JSON.parse((await lifeboatOk(repo, ['snapshots', '--json'])).stdout.toString()) as unknown[];
    assert.equal(afterList.length, before.length);
    await restic(repo, ['check']);
  });

  test('an unreadable file is a warning, the snapshot is saved, exit code 3', async () => {
    const repo = join(work, 'repo-v2');
    const dir = join(work, 'partial');
    mkdirSync(dir);
    writeFileSync(join(dir, 'ok.txt'), 'fine');
    // a file without read permission; root reads anything, so then the backup runs as nobody
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    const { chmodSync } = await import('node:fs');
    chmodSync(join(dir, 'secret.txt'), 0);
    const asNobody = process.getuid?.() === 0;
    const r = asNobody ? await lifeboatAsNobody(repo, dir, work) : await lifeboat(repo, ['backup', '--json', dir]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /secret\.txt/);
    assert.equal(typeof summaryOf(r.stdout).snapshot_id, 'string');
  });
});

/** Runs the backup as user nobody (root can read anything) against a repository copy it may write. */
async function lifeboatAsNobody(repo: string, dir: string, work: string): Promise<Awaited<ReturnType<typeof lifeboat>>> {
  const { execFileSync } = await import('node:child_process');
  const copy = join(work, 'repo-nobody');
  execFileSync('cp', ['-a', repo, copy]);
  execFileSync('chown', ['-R', 'nobody', copy, dir, work]);
  execFileSync('chmod', ['o+rx', work]);
  const { run, TEST_PASSWORD } = await import('../helpers/run.js');
  const { lifeboatBin } = await import('../helpers/paths.js');
  return run('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, lifeboatBin, '-r', copy, 'backup', '--json', dir], {
    env: { LIFEBOAT_PASSWORD: TEST_PASSWORD, HOME: '/tmp' },
  });
}
