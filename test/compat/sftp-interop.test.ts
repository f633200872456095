/**
 * sftp: repositories with both tools over one OpenSSH sshd started on loopback by the test:
 * restic writes, Lifeboat reads, checks and adds; Lifeboat writes, restic checks and restores.
 * restic is told how to log in with `-o sftp.command`, Lifeboat with `-o sftp.args` (and
 * `-o sftp.command` for the second repository), as a user would.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type SshdServer, startSshd } from '../../src/backend/testing/index.js';
import { lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let work: string;
let sshd: SshdServer;
let src: string;
const files = { 'etc/app.conf': Buffer.from('listen 443\n'), 'data/blob.bin': randomBytes(3_000_000), 'data/empty': Buffer.alloc(0) };

before(async () => {
  work = await makeTempDir('lifeboat-sftp-interop-');
  sshd = await startSshd(join(work, 'sshd'));
  src = join(work, 'src');
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(join(src, name, '..'), { recursive: true });
    writeFileSync(join(src, name), data);
  }
});

after(async () => {
  await sshd?.stop();
  await rm(work, { recursive: true, force: true });
});

const sshCommand = (): string => ['ssh', `${sshd.user}@127.0.0.1`, '-p', String(sshd.port), ...sshd.sshArgs, '-s', 'sftp'].join(' ');
const resticSftp = (path: string, args: string[]) => restic(`sftp:${sshd.user}@127.0.0.1:${path}`, ['-o', `sftp.command=${sshCommand()}`, ...args]);
const lifeboatSftp = (path: string, args: string[]) => lifeboatOk(`sftp://${sshd.user}@127.0.0.1:${sshd.port}/${path}`, ['-o', `sftp.args=${sshd.sshArgs.join(' ')}`, ...args]);

function sameFiles(root: string): void {
  for (const [name, data] of Object.entries(files)) assert.deepEqual(readFileSync(join(root, src, name)), data, name);
}

test('restic writes over sftp; Lifeboat lists, checks, restores and adds a snapshot restic then checks and restores', async () => {
  const path = join(work, 'restic-made');
  await resticSftp(path, ['init']);
  await resticSftp(path, ['backup', src]);
  const snaps = JSON.parse((await lifeboatSftp(path, ['snapshots', '--json'])).stdout.toString()) as { paths: string[] }[];
  assert.deepEqual(
    snaps.map((s) => s.paths),
    [[src]],
  );
  await lifeboatSftp(path, ['check', '--read-data']);
  const mine = join(work, 'restore-lifeboat');
  await lifeboatSftp(path, ['restore', 'latest', '--target', mine]);
  sameFiles(mine);
  writeFileSync(join(src, 'etc', 'added.conf'), 'added\n');
  await lifeboatSftp(path, ['backup', src]);
  await resticSftp(path, ['check', '--read-data']);
  const theirs = join(work, 'restore-restic');
  await resticSftp(path, ['restore', 'latest', '--target', theirs]);
  sameFiles(theirs);
  assert.equal(readFileSync(join(theirs, src, 'etc', 'added.conf'), 'utf8'), 'added\n');
});

test('Lifeboat inits over sftp (-o sftp.command); restic checks --read-data and restores', async () => {
  const path = join(work, 'lifeboat-made');
  const location = `sftp:${sshd.user}@127.0.0.1:${path}`;
  await lifeboatOk(location, ['-o', `sftp.command=${sshCommand()}`, 'init']);
  await lifeboatOk(location, ['-o', `sftp.command=${sshCommand()}`, 'backup', src]);
  await resticSftp(path, ['check', '--read-data']);
  const theirs = join(work, 'restore-restic-2');
  await resticSftp(path, ['restore', 'latest', '--target', theirs]);
  sameFiles(theirs);
  const ls = await resticSftp(path, ['snapshots', '--json']);
  assert.equal((JSON.parse(ls.stdout.toString()) as unknown[]).length, 1);
});
