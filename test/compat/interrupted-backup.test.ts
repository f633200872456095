/**
 * A backup killed with SIGKILL midway leaves a repository restic accepts; the next backup
 * completes and re-uses the packs that were already written and indexed. An exclusive lock
 * held by another process makes backup fail with exit code 11 naming the lock's owner.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { lifeboatBin } from '../helpers/paths.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

describe('interrupted and locked backups', () => {
  let work: string;
  let src: string;

  before(async () => {
    work = await makeTempDir('lifeboat-compat-kill-');
    src = join(work, 'src');
    mkdirSync(src);
    // incompressible data so every MiB becomes pack bytes
    for (let i = 0; i < 24; i++) writeFileSync(join(src, `part-${i}.bin`), randomBytes(12 * 1024 * 1024));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('SIGKILL midway leaves a valid repository; the next run re-uses indexed packs', async () => {
    const repo = join(work, 'repo');
    await lifeboatOk(repo, ['init']);
    const child = spawn(process.execPath, [lifeboatBin, '-r', repo, 'backup', src], {
      env: { ...process.env, LIFEBOAT_PASSWORD: TEST_PASSWORD },
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // wait for the first complete index file (not its temporary name)
    const indexFiles = (): string[] => (existsSync(join(repo, 'index')) ? readdirSync(join(repo, 'index')).filter((n) => /^[0-9a-f]{64}$/.test(n)) : []);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && indexFiles().length === 0) await sleep(5);
    child.kill('SIGKILL');
    await exited;
    assert.equal(readdirSync(join(repo, 'snapshots')).length, 0, 'killed before the snapshot');
    assert.ok(indexFiles().length > 0, 'an index file was written before the kill');

    // the killed process left its lock behind, as a killed restic does; it blocks exclusive
    // commands until `unlock` removes it (stale: its PID is gone)
    const locked = await lifeboat(repo, ['check']);
    assert.equal(locked.code, 11);
    assert.match(locked.stderr, /\(stale\)[\s\S]*lifeboat unlock/);
    assert.match((await lifeboatOk(repo, ['list', 'locks'])).stdout.toString(), /non-exclusive lock .* \(stale\)/);
    assert.match((await lifeboatOk(repo, ['unlock'])).stdout.toString(), /removed 1 locks/);
    const check = await restic(repo, ['check']);
    assert.match(check.stdout.toString(), /no errors were found/);

    const r = await lifeboatOk(repo, ['backup', '--json', src]);
    const summary = JSON.parse(r.stdout.toString().trim().split('\n').at(-1)!) as Record<string, number>;
    const total = 24 * 12 * 1024 * 1024;
    assert.ok(summary.data_added! < total, `re-used packs: added ${summary.data_added} of ${total}`);
    assert.equal(summary.total_bytes_processed, total);
    const full = await restic(repo, ['check', '--read-data']);
    assert.match(full.stdout.toString(), /no errors were found/);
  });

  test('an exclusive lock stops backup with exit 11 and names its owner', async () => {
    const repo = join(work, 'repo');
    // a lock file exactly as restic writes it for `restic prune` on another host
    const { writeForeignLock } = await import('../helpers/locks.js');
    const lockId = await writeForeignLock(repo, { exclusive: true, hostname: 'db-host-7', pid: 4242, username: 'postgres' });
    const r = await lifeboat(repo, ['backup', src]);
    assert.equal(r.code, 11, r.stderr);
    assert.match(r.stderr, /exclusive lock .* PID 4242 on db-host-7 by postgres/);
    await rm(join(repo, 'locks', lockId));
    // and Lifeboat's exclusive lock (same format) stops restic
    const ours = await writeForeignLock(repo, { exclusive: true, hostname: 'lifeboat-host', pid: 99, username: 'ops' });
    const blocked = await restic(repo, ['backup', join(src, 'part-1.bin')], { allowFail: true });
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.stderr, /locked/);
    await rm(join(repo, 'locks', ours));
    await lifeboatOk(repo, ['backup', join(src, 'part-0.bin')]);
    assert.equal(readdirSync(join(repo, 'locks')).length, 0, 'lock removed after the backup');
  });
});
