/**
 * Issue 20 defect 11: `init` on a file system out of inodes said the repository directory "does
 * not exist" (Node's recursive mkdir reports ENOSPC as ENOENT) and left a partial directory. On a
 * tiny tmpfs: ENOSPC is named with its hint, and everything init made is removed, nothing else.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statfsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lifeboat, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

describe('issue 20 defect 11: init on a file system out of inodes', () => {
  let work: string;
  let mnt: string;
  let mounted = false;

  async function sh(cmd: string, args: string[]): Promise<void> {
    const r = await run(cmd, args);
    assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  }

  before(async () => {
    work = await makeTempDir('lifeboat-enospc-');
    mnt = join(work, 'mnt');
    mkdirSync(mnt);
    await sh('mount', ['-t', 'tmpfs', '-o', 'size=4m,nr_inodes=40', 'tmpfs', mnt]);
    mounted = true;
  });

  after(async () => {
    if (mounted) await sh('umount', [mnt]);
    await rm(work, { recursive: true, force: true });
  });

  function assertNamesEnospc(stderr: string): void {
    assert.match(stderr, /no space left on device/, stderr);
    assert.match(stderr, /free disk space or inodes/, stderr);
    assert.doesNotMatch(stderr, /does not exist| {4}at /, stderr);
  }

  test('names ENOSPC and removes only what it created', async () => {
    // a new directory two levels deep: both levels are init's and go
    const nested = await lifeboat(join(mnt, 'a', 'b'), ['init']);
    assert.equal(nested.code, 1, nested.stderr);
    assertNamesEnospc(nested.stderr);
    assert.deepEqual(readdirSync(mnt), [], 'nothing left on the file system');

    // a directory that was there before (with a file in it) stays as it was
    const mine = join(mnt, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'keep.txt'), 'mine\n');
    const existing = await lifeboat(mine, ['init']);
    assert.equal(existing.code, 1, existing.stderr);
    assertNamesEnospc(existing.stderr);
    assert.deepEqual(readdirSync(mnt), ['mine']);
    assert.deepEqual(readdirSync(mine), ['keep.txt']);
    await rm(mine, { recursive: true });
  });

  test('runs out at each later write (key file, config): still named and cleaned up, then init succeeds', async () => {
    // the repository's directories need 1 + 5 + 256 inodes: allow exactly those and then one
    // more each round, so init fails in turn at the last directory, the key file, the config...
    const base = Number(statfsSync(mnt).files - statfsSync(mnt).ffree);
    const repo = join(mnt, 'repo');
    const failedAt: string[] = [];
    let created = false;
    for (let n = base + 1 + 5 + 256 - 1; n < base + 1 + 5 + 256 + 12 && !created; n++) {
      await sh('mount', ['-o', `remount,nr_inodes=${n}`, mnt]);
      const r = await lifeboat(repo, ['init']);
      if (r.code === 0) {
        created = true;
        break;
      }
      assert.equal(r.code, 1, r.stderr);
      assertNamesEnospc(r.stderr);
      failedAt.push(/lifeboat: (create|save keys|save config)/.exec(r.stderr)?.[1] ?? r.stderr);
      assert.ok(!existsSync(repo), `nr_inodes=${n}: the partial repository is removed`);
    }
    assert.ok(created, `init succeeded once enough inodes were free (failed at: ${failedAt.join(', ')})`);
    for (const step of ['create', 'save keys', 'save config']) assert.ok(failedAt.includes(step), `a round failed at ${step}: ${failedAt.join(', ')}`);
    await sh('mount', ['-o', 'remount,nr_inodes=4096', mnt]);
    const snapshots = await lifeboat(repo, ['snapshots']);
    assert.equal(snapshots.code, 0, snapshots.stderr);
  });
});
