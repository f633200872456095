/**
 * `rollback apply --yes --delete` whose repository disk fills up (ENOSPC) or fails (EIO) from its
 * N-th save on (test/faults/io-faults.ts). For the plan below it makes 30 saves: the safety point
 * (a point create: 1–20), a journal record of the rollback (21–25: lock, two packs, index,
 * snapshot), the files step, then the step's journal record (26–30). One position per phase: the
 * safety point's manifest (10), a pack of the record before the files step (23), and the index of
 * the record after the live tree was changed (29). Each
 * run fails with exit 1 and one message naming the error, the object and the fix, and leaves no
 * lock; before the files step the live tree is untouched; `lifeboat check` and `restic check`
 * accept the repository; `rollback apply` run again without the fault finishes and the tree
 * equals the point.
 *
 * The live tree's own disk filling up is not injected (the restorer writes it through
 * platform/fs, which no test hook reaches without a hook in production code): it is real, a
 * 1 MiB tmpfs holding the live tree, too full for the file the rollback must bring back.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { type EntryInfo, describeTree, diffTrees } from '../helpers/tree-fixture.js';
import { type Errno, assertStoppedByFault, faultArgs } from './io-faults.js';

const CASES: ReadonlyArray<{ errno: Errno; n: number; phase: string; kinds: string; liveTreeChanged: boolean }> = [
  { errno: 'ENOSPC', n: 10, phase: "the safety point's manifest", kinds: 'snapshots', liveTreeChanged: false },
  { errno: 'EIO', n: 23, phase: 'the journal record before the files step', kinds: 'data', liveTreeChanged: false },
  { errno: 'ENOSPC', n: 29, phase: 'the journal record after the files step', kinds: 'index', liveTreeChanged: true },
];

describe('ENOSPC and EIO at the repository writes of rollback apply', () => {
  let work: string;
  let files: string;
  let planFile: string;
  let pointTree: Map<string, EntryInfo>;
  const env = (): Record<string, string> => ({ LIFEBOAT_PASSWORD: '', HOME: work });

  before(async () => {
    work = await makeTempDir('lifeboat-io-rollback-');
    files = join(work, 'srv', 'app');
    mkdirSync(join(files, 'd'), { recursive: true });
    writeFileSync(join(files, 'd', 'm1.bin'), randomBytes(100 * 1024));
    writeFileSync(join(files, 'keep.txt'), ''); // empty: one file with content, one data pack, the saves counted the same every run
    symlinkSync('d/m1.bin', join(files, 'link'));
    const repo = join(work, 'repo');
    writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`);
    planFile = join(work, 'lifeboat.yaml');
    writeFileSync(planFile, [`repository: ${repo}`, 'passwordFile: repo.pw', 'host: app01', 'sources:', '  - name: app-files', `    files: [${files}]`, ''].join('\n'));
    await lifeboatOk(repo, ['init']);
    await lifeboatOk(undefined, ['point', 'create', '-c', planFile, '--name', 'before'], { env: env() });
    pointTree = describeTree(files);
    // the migration: one file rewritten, one added
    writeFileSync(join(files, 'd', 'm1.bin'), randomBytes(100 * 1024));
    writeFileSync(join(files, 'added.txt'), '');
    cpSync(repo, join(work, 'repo.base'), { recursive: true });
    cpSync(join(work, 'srv'), join(work, 'srv.base'), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  for (const c of CASES) {
    test(`${c.errno} from save ${c.n} (${c.phase}): named, checks pass, run again the tree equals the point`, async () => {
      const repo = join(work, 'repo');
      rmSync(repo, { recursive: true, force: true });
      rmSync(join(work, 'srv'), { recursive: true, force: true });
      cpSync(join(work, 'repo.base'), repo, { recursive: true });
      cpSync(join(work, 'srv.base'), join(work, 'srv'), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      const migrated = describeTree(files);
      const args = ['rollback', 'apply', 'before', '-c', planFile, '--state-dir', join(work, `state-${c.n}`), '--yes', '--delete'];

      const failed = await lifeboat(undefined, [...faultArgs(c.errno, c.n), ...args], { faultHook: true, env: env() });
      assertStoppedByFault(failed, c.errno, repo, c.kinds, `save ${c.n}`);
      if (c.liveTreeChanged) assert.match(failed.stderr, /step 2\/\d+: files:app-files/, `save ${c.n}: failed after the files step began`);
      else assert.deepEqual(diffTrees(migrated, describeTree(files)), [], `save ${c.n}: the live tree was not touched`);
      await lifeboatOk(repo, ['check']);
      await restic(repo, ['check']);

      const again = await lifeboat(undefined, args, { env: env() });
      assert.equal(again.code, 0, `save ${c.n}: ${again.stderr}${again.stdout.toString()}`);
      assert.deepEqual(diffTrees(pointTree, describeTree(files)), [], `save ${c.n}: the tree differs from the point`);
    });
  }
});

describe("ENOSPC on the live tree's disk during rollback apply", () => {
  let work: string;
  let mnt: string;
  let mounted = false;

  async function sh(cmd: string, args: string[]): Promise<void> {
    const r = await run(cmd, args);
    assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  }

  before(async () => {
    work = await makeTempDir('lifeboat-io-live-');
    mnt = join(work, 'mnt');
    mkdirSync(mnt);
    await sh('mount', ['-t', 'tmpfs', '-o', 'size=1m,nr_inodes=100', 'tmpfs', mnt]);
    mounted = true;
  });

  after(async () => {
    if (mounted) await sh('umount', [mnt]);
    await rm(work, { recursive: true, force: true });
  });

  test('the file that does not fit is named with ENOSPC (exit 3), no temporary is left, and after freeing space the tree equals the point', async () => {
    const files = join(mnt, 'app');
    mkdirSync(files);
    writeFileSync(join(files, 'm1.bin'), randomBytes(600 * 1024));
    writeFileSync(join(files, 'keep.txt'), 'unchanged\n');
    const repo = join(work, 'repo');
    writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`);
    const planFile = join(work, 'lifeboat.yaml');
    writeFileSync(planFile, [`repository: ${repo}`, 'passwordFile: repo.pw', 'host: app01', 'sources:', '  - name: app-files', `    files: [${files}]`, ''].join('\n'));
    const env = { LIFEBOAT_PASSWORD: '', HOME: work };
    await lifeboatOk(repo, ['init']);
    await lifeboatOk(undefined, ['point', 'create', '-c', planFile, '--name', 'before'], { env });
    const pointTree = describeTree(files);
    // the migration: the file gone, the space taken by a new one (kept: no --delete)
    rmSync(join(files, 'm1.bin'));
    writeFileSync(join(files, 'fill.bin'), randomBytes(700 * 1024));
    const args = ['rollback', 'apply', 'before', '-c', planFile, '--state-dir', join(work, 'state'), '--yes'];

    const full = await lifeboat(undefined, args, { env });
    assert.equal(full.code, 3, `${full.stderr}${full.stdout.toString()}`);
    assert.match(full.stderr, new RegExp(`${join(files, 'm1.bin')}: ENOSPC: no space left on device`));
    assert.match(full.stdout.toString(), /applied: 2 steps, 1 problems/);
    assert.doesNotMatch(full.stderr, /^\s+at /m);
    assert.deepEqual(readdirSync(files).sort(), ['fill.bin', 'keep.txt'], 'no temporary file left, nothing half written under the name');
    await lifeboatOk(repo, ['check']);
    await restic(repo, ['check']);

    rmSync(join(files, 'fill.bin'));
    const again = await lifeboat(undefined, args, { env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(diffTrees(pointTree, describeTree(files)), []);
  });
});
