/**
 * restic and Lifeboat share repositories on every remote backend: over REST (`rclone serve
 * restic` on loopback), on S3 (a local S3 server over HTTPS) and through `rclone:` (both tools
 * spawn `rclone serve restic --stdio`). Each writes, the other checks every byte
 * (`check --read-data`) and restores the snapshot identically.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { type RcloneServer, type S3TestServer, startRcloneServer, startS3Server } from '../../src/backend/testing/index.js';
import { lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

describe('remote backends: restic and Lifeboat read each other', () => {
  let work: string;
  let src: string;
  let s3: S3TestServer;
  let rest: RcloneServer;
  let env: Record<string, string>;

  before(async () => {
    work = await makeTempDir('lifeboat-compat-backends-');
    src = join(work, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'random.bin'), randomBytes(6 * 1024 * 1024));
    writeFileSync(join(src, 'sub', 'text.txt'), 'line of text\n'.repeat(50_000));
    writeFileSync(join(src, 'small'), 'small file');
    [s3, rest] = await Promise.all([startS3Server(join(work, 's3'), ['bucket']), startRcloneServer(join(work, 'rest'))]);
    env = { ...s3.env, LIFEBOAT_CACERT: s3.caFile, RCLONE_CONFIG: '/dev/null', RCLONE_CONFIG_LBTEST_TYPE: 'local' };
  });

  after(async () => {
    await Promise.all([s3?.stop(), rest?.stop()]);
    await rm(work, { recursive: true, force: true });
  });

  const locations = (): [string, (name: string) => string][] => [
    ['rest', (name) => `rest:${rest.url}${name}/`],
    ['s3', (name) => `s3:https://${s3.endpoint}/bucket/${name}`],
    ['rclone', (name) => `rclone:lbtest:${join(work, 'rclone', name)}`],
  ];

  /** restic 0.14 takes the CA only as a flag. */
  const r = (repo: string, args: string[]) => restic(repo, ['--cacert', s3.caFile, ...args], { env });

  async function sameTree(restored: string): Promise<void> {
    // execFile, not run(): diff exits before reading its stdin, and writing to it could EPIPE
    await promisify(execFile)('diff', ['-r', src, restored]);
  }

  for (const [scheme] of [['rest'], ['s3'], ['rclone']]) {
    test(`${scheme}: Lifeboat writes, restic checks every byte and restores`, async () => {
      const repo = locations().find(([s]) => s === scheme)![1]('by-lifeboat');
      await lifeboatOk(repo, ['init'], { env });
      const b = await lifeboatOk(repo, ['backup', '--json', '--host', `${scheme}-host`, src], { env });
      const id = JSON.parse(b.stdout.toString().trim().split('\n').at(-1)!).snapshot_id as string;
      assert.match((await r(repo, ['check', '--read-data'])).stdout.toString(), /no errors were found/);
      const target = join(work, `restic-restore-${scheme}`);
      await r(repo, ['restore', id, '--target', target]);
      await sameTree(join(target, src));
    });

    test(`${scheme}: restic writes, Lifeboat checks every byte and restores`, async () => {
      const repo = locations().find(([s]) => s === scheme)![1]('by-restic');
      await r(repo, ['init']);
      await r(repo, ['backup', '--host', `${scheme}-restic`, src]);
      const check = await lifeboatOk(repo, ['check', '--read-data'], { env });
      assert.match(check.stdout.toString(), /no errors were found/);
      const target = join(work, `lifeboat-restore-${scheme}`);
      await lifeboatOk(repo, ['restore', 'latest', '--target', target], { env });
      await sameTree(join(target, src));
      // and Lifeboat adds to restic's repository, which restic still accepts
      await lifeboatOk(repo, ['backup', '--host', `${scheme}-lifeboat`, src], { env });
      assert.match((await r(repo, ['check'])).stdout.toString(), /no errors were found/);
      assert.match((await r(repo, ['snapshots'])).stdout.toString(), /2 snapshots/);
    });
  }
});
