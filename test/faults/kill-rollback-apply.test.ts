/**
 * `rollback apply --yes --delete` killed (SIGKILL) in the middle of its writes to the live tree —
 * the test hook preloaded into the run (test/helpers/fault-kill-hook.ts, KILL_AFTER_LIVE_WRITE=N)
 * registers a write observer, so the CLI hands the restore a callback that tells it of each change
 * to the live tree, and the hook kills the process after the N-th. The migration below makes the files step do 9 writes, in this
 * order: remove the added file (during the walk), then per restored file (three changed, one
 * deleted; one blob each) its content into a temporary file and its rename into place. Kills
 * after the removal (1), after a content write with the temporary file there (6), and after the
 * last rename (9); each time a second `rollback apply --yes --delete` resumes, finishes, and the
 * tree equals the point's (content, modes, times; no temporary file left).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEST_PASSWORD, lifeboat, lifeboatOk } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { type EntryInfo, describeTree, diffTrees } from '../helpers/tree-fixture.js';

const CHANGED = ['m1.bin', 'm2.bin', 'm3.bin'];
/** Under the chunker's minimum (512 KiB): one blob, so one content write per file. */
const FILE_BYTES = 100 * 1024;

describe('kill -9 during the live-tree writes of rollback apply', () => {
  let work: string;
  let files: string;
  let planFile: string;
  let pointTree: Map<string, EntryInfo>;
  const env = (): Record<string, string> => ({ LIFEBOAT_PASSWORD: '', HOME: work });

  before(async () => {
    work = await makeTempDir('lifeboat-kill-rollback-');
    files = join(work, 'srv', 'app');
    mkdirSync(join(files, 'd'), { recursive: true });
    for (const name of [...CHANGED, 'gone.bin']) writeFileSync(join(files, 'd', name), randomBytes(FILE_BYTES));
    writeFileSync(join(files, 'keep.txt'), 'unchanged\n');
    symlinkSync('d/m1.bin', join(files, 'link'));
    const repo = join(work, 'repo');
    writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`);
    planFile = join(work, 'lifeboat.yaml');
    writeFileSync(planFile, [`repository: ${repo}`, 'passwordFile: repo.pw', 'host: app01', 'sources:', '  - name: app-files', `    files: [${files}]`, ''].join('\n'));
    await lifeboatOk(repo, ['init']);
    await lifeboatOk(undefined, ['point', 'create', '-c', planFile, '--name', 'before'], { env: env() });
    pointTree = describeTree(files);
    // the migration: three files rewritten, one deleted, one added
    for (const name of CHANGED) writeFileSync(join(files, 'd', name), randomBytes(FILE_BYTES));
    rmSync(join(files, 'd', 'gone.bin'));
    writeFileSync(join(files, 'added.txt'), 'added by the migration\n');
    cpSync(repo, join(work, 'repo.base'), { recursive: true });
    cpSync(join(work, 'srv'), join(work, 'srv.base'), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const temporaries = (): string[] => readdirSync(join(files, 'd')).filter((n) => n.startsWith('.lifeboat-'));

  for (const { n, what } of [
    { n: 1, what: 'the removal of the added file' },
    { n: 6, what: 'a content write, its temporary file in the tree' },
    { n: 9, what: 'the last rename' },
  ]) {
    test(`killed after write ${n} (${what}): a second apply resumes and the tree equals the point`, async () => {
      rmSync(join(work, 'repo'), { recursive: true, force: true });
      rmSync(join(work, 'srv'), { recursive: true, force: true });
      cpSync(join(work, 'repo.base'), join(work, 'repo'), { recursive: true });
      cpSync(join(work, 'srv.base'), join(work, 'srv'), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      const state = join(work, `state-${n}`);
      const args = ['rollback', 'apply', 'before', '-c', planFile, '--state-dir', state, '--yes', '--delete'];

      const killed = await lifeboat(undefined, args, { faultHook: true, env: { ...env(), KILL_AFTER_LIVE_WRITE: String(n) } });
      assert.equal(killed.code, -1, `write ${n}: rollback apply was not killed but exited ${killed.code}: ${killed.stderr}`);
      assert.match(killed.stderr, /step 2\/\d+: files:app-files/, 'killed in the files step, after the safety point');
      assert.deepEqual(readdirSync(files).includes('added.txt'), false, `write ${n}: the removal came first`);
      if (n === 6) assert.equal(temporaries().length, 1, 'killed with a temporary file in the live tree');
      assert.notDeepEqual(diffTrees(pointTree, describeTree(files)), [], `write ${n}: the kill came before the tree was whole`);

      // the variable alone (without the hook) is ignored: this run is not killed
      const resumed = await lifeboat(undefined, args, { env: { ...env(), KILL_AFTER_LIVE_WRITE: '1' } });
      assert.equal(resumed.code, 0, `write ${n}: ${resumed.stderr}${resumed.stdout.toString()}`);
      assert.match(resumed.stderr, /resuming the interrupted rollback \(1 steps done/);
      assert.deepEqual(temporaries(), []);
      assert.deepEqual(diffTrees(pointTree, describeTree(files)), [], `write ${n}: the tree differs from the point`);
    });
  }
});
