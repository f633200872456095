/**
 * A backup killed (SIGKILL) right after each of its writes in turn — the fault-injection
 * test hook preloaded into the run (test/helpers/fault-kill-hook.ts, KILL_AFTER_SAVE=N) — leaves a
 * repository that `lifeboat check` and `restic check --read-data` accept; the backup run again
 * finishes, and its snapshot restores identically. Without the hook the variable does nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { describeTree, diffTrees } from '../helpers/tree-fixture.js';

/** More saves than a backup of the source below makes (locks, packs, index, snapshot). */
const MAX_SAVES = 30;

describe('kill -9 at every write step: backup', () => {
  let work: string;
  let base: string;
  let src: string;

  before(async () => {
    work = await makeTempDir('lifeboat-kill-backup-');
    src = join(work, 'src');
    mkdirSync(join(src, 'etc', 'app'), { recursive: true });
    mkdirSync(join(src, 'var', 'lib', 'db'), { recursive: true });
    writeFileSync(join(src, 'etc', 'app', 'app.conf'), 'listen = 0.0.0.0:8080\nworkers = 4\n');
    writeFileSync(join(src, 'var', 'lib', 'db', 'data.bin'), randomBytes(3 * 1024 * 1024));
    writeFileSync(join(src, 'var', 'lib', 'db', 'wal.log'), 'checkpoint 42\n'.repeat(20_000));
    base = join(work, 'base');
    await lifeboatOk(base, ['init']);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('without the hook the variable does nothing: a production run is not killed', async () => {
    const repo = join(work, 'unhooked');
    cpSync(base, repo, { recursive: true });
    await lifeboatOk(repo, ['backup', src], { env: { KILL_AFTER_SAVE: '1' } });
  });

  test('after each save: both checks pass, a second backup finishes and restores identically', async (t) => {
    let completedAt: number | undefined;
    for (let n = 1; n <= MAX_SAVES && completedAt === undefined; n++) {
      const repo = join(work, `killed-${n}`);
      cpSync(base, repo, { recursive: true });
      const killed = await lifeboat(repo, ['backup', src], { faultHook: true, env: { KILL_AFTER_SAVE: String(n) } });
      if (killed.code === 0) {
        completedAt = n;
        break;
      }
      assert.equal(killed.code, -1, `save ${n}: the backup was not killed but exited ${killed.code}: ${killed.stderr}`);
      await lifeboatOk(repo, ['unlock']);
      await lifeboatOk(repo, ['check']);
      await restic(repo, ['check', '--read-data']);
      const again = await lifeboatOk(repo, ['backup', '--json', src]);
      const id = JSON.parse(again.stdout.toString().trim().split('\n').at(-1)!).snapshot_id as string;
      await lifeboatOk(repo, ['check', '--read-data']);
      const target = join(work, `restore-${n}`);
      await lifeboatOk(repo, ['restore', `${id}:${src}`, '--target', target]);
      assert.deepEqual(diffTrees(describeTree(src, { times: false }), describeTree(target, { times: false })), [], `save ${n}`);
      await rm(repo, { recursive: true, force: true });
      await rm(target, { recursive: true, force: true });
    }
    t.diagnostic(`the backup made ${(completedAt ?? 0) - 1} saves; killed after each`);
    assert.ok(completedAt !== undefined && completedAt > 3, `a backup makes more than ${MAX_SAVES} saves, or too few: ${completedAt}`);
  });
});
