/**
 * Issue 20, defect 1: a `rollback apply --yes --delete` killed while the restorer's temporary
 * file (`.lifeboat-…`) exists, then run again, removes that temporary: the tree equals the point
 * and `rollback plan` finds nothing to do.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lifeboatBin } from '../helpers/paths.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let work: string;

before(async () => {
  work = await makeTempDir('lifeboat-rollback-resume-');
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

const BIG = 96 * 1024 * 1024;

test('a resumed rollback apply removes the temporary file its killed run left in the live tree', async () => {
  const files = join(work, 'srv', 'app');
  mkdirSync(join(files, 'd1'), { recursive: true });
  const point = randomBytes(BIG);
  writeFileSync(join(files, 'd1', 'data.bin'), point);
  writeFileSync(join(files, 'settings.ini'), 'mode=production\n');
  const repo = join(work, 'repo');
  writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`);
  const planFile = join(work, 'lifeboat.yaml');
  writeFileSync(planFile, [`repository: ${repo}`, 'passwordFile: repo.pw', 'host: app01', 'sources:', '  - name: app-files', `    files: [${files}]`, ''].join('\n'));
  const env = { LIFEBOAT_PASSWORD: '', HOME: work };
  const state = join(work, 'state');
  await lifeboatOk(repo, ['init']);
  const created = await lifeboatOk(undefined, ['point', 'create', '-c', planFile, '--name', 'before'], { env });
  const pointId = /restore point ([0-9a-f]{8})/.exec(created.stdout.toString())![1]!;

  // the migration rewrites the large file and adds one
  writeFileSync(join(files, 'd1', 'data.bin'), randomBytes(BIG));
  writeFileSync(join(files, 'added.txt'), 'added by the migration\n');

  // kill the apply while the restorer's temporary file for d1/data.bin exists
  const temporaries = (): string[] => readdirSync(join(files, 'd1')).filter((n) => n.startsWith('.lifeboat-'));
  const killed = await new Promise<{ signal: string | null; seen: string[]; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [lifeboatBin, 'rollback', 'apply', pointId, '-c', planFile, '--state-dir', state, '--yes', '--delete'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let seen: string[] = [];
    const poll = setInterval(() => {
      seen = temporaries();
      if (seen.length > 0) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 1);
    child.on('close', (_code, signal) => {
      clearInterval(poll);
      resolve({ signal, seen, stderr });
    });
  });
  assert.equal(killed.signal, 'SIGKILL', `the apply finished before a temporary file was seen: ${killed.stderr}`);
  assert.ok(temporaries().length > 0, 'the kill left a temporary file behind');

  const resumed = await lifeboat(undefined, ['rollback', 'apply', pointId, '-c', planFile, '--state-dir', state, '--yes', '--delete'], { env });
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout.toString());
  assert.match(resumed.stderr, /resuming the interrupted rollback/);
  assert.deepEqual(temporaries(), [], 'the resumed apply removed its temporary file');
  assert.deepEqual(readdirSync(files).sort(), ['d1', 'settings.ini']);
  const plan = await lifeboat(undefined, ['rollback', 'plan', pointId, '-c', planFile, '--json'], { env });
  assert.equal(plan.code, 0, `the tree differs from the point: ${plan.stdout.toString()}`);
});
