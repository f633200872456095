/**
 * Bad input and bad stores, through the CLI as a user meets them: wrong credentials, a missing
 * bucket, an unreachable endpoint, a store that answers 500, cuts connections midway through
 * uploads and downloads, or stops answering. Errors name the location and never the secret;
 * retries are bounded; the repository is valid afterwards for both tools.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FaultProxy, type S3TestServer, startFaultProxy, startS3Server } from '../../src/backend/testing/index.js';
import { lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

const MiB = 1024 * 1024;
/** Retries that keep the tests short (the defaults wait up to half a minute). */
const QUICK = ['-o', 'retry-delay=20ms'];

describe('bad input and flaky stores', () => {
  let work: string;
  let src: string;
  let s3: S3TestServer;
  let proxy: FaultProxy;
  let env: Record<string, string>;
  const direct = (path: string): string => `s3:https://${s3.endpoint}/bucket/${path}`;
  const viaProxy = (path: string): string => `s3:https://${proxy.endpoint}/bucket/${path}`;
  const r = (repo: string, args: string[]) => restic(repo, ['--cacert', s3.caFile, ...args], { env });
  const isData = (url: string): boolean => /\/data\/[0-9a-f]{2}\/[0-9a-f]{64}(\?|$)/.test(url);

  before(async () => {
    work = await makeTempDir('lifeboat-compat-bad-');
    src = join(work, 'src');
    mkdirSync(src);
    for (let i = 0; i < 4; i++) writeFileSync(join(src, `f${i}.bin`), randomBytes(5 * MiB));
    s3 = await startS3Server(join(work, 's3'), ['bucket']);
    proxy = await startFaultProxy({ upstream: `https://${s3.endpoint}`, tls: { key: s3.key, cert: s3.ca }, ca: s3.ca, plan: () => 'pass' });
    env = { ...s3.env, LIFEBOAT_CACERT: s3.caFile };
  });

  after(async () => {
    await proxy?.stop();
    await s3?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('wrong credentials: a clear error naming the location and the variables, never the secret, not retried', async () => {
    await lifeboatOk(direct('creds'), ['init'], { env });
    const started = Date.now();
    const res = await lifeboat(direct('creds'), ['snapshots'], { env: { ...env, AWS_ACCESS_KEY_ID: 'NOT-A-KEY', AWS_SECRET_ACCESS_KEY: 'hunter2-secret' } });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, new RegExp(`s3:127\\.0\\.0\\.1:\\d+/bucket/creds`));
    assert.match(res.stderr, /refused the credentials \(HTTP 403/);
    assert.match(res.stderr, /AWS_ACCESS_KEY_ID/);
    assert.ok(!res.stderr.includes('hunter2-secret'), res.stderr);
    assert.ok(Date.now() - started < 10_000, 'not retried');
    const none = await lifeboat(direct('creds'), ['snapshots'], { env: { LIFEBOAT_CACERT: s3.caFile, HOME: work } });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no S3 credentials/);
  });

  test('a missing bucket: no repository there (exit 10, naming the bucket); init creates it', async () => {
    const repo = `s3:https://${s3.endpoint}/new-bucket/repo`;
    const res = await lifeboat(repo, ['snapshots'], { env });
    assert.equal(res.code, 10, res.stderr);
    assert.match(res.stderr, /new-bucket/);
    await lifeboatOk(repo, ['init'], { env });
    await lifeboatOk(repo, ['backup', join(src, 'f0.bin')], { env });
    assert.match((await r(repo, ['check'])).stdout.toString(), /no errors were found/);
  });

  test('an unreachable endpoint: bounded retries, then an error naming the location', async () => {
    const started = Date.now();
    const res = await lifeboat('s3:https://127.0.0.1:1/bucket/x', [...QUICK, '-o', 'retries=3', 'snapshots'], { env });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /s3:127\.0\.0\.1:1\/bucket\/x/);
    assert.match(res.stderr, /ECONNREFUSED/);
    assert.match(res.stderr, /gave up after 4 attempts/);
    assert.ok(Date.now() - started < 20_000);
  });

  test('a store answering 500 to every third request and cutting uploads and downloads midway: the backup gets through', async () => {
    const repo = 'flaky';
    await lifeboatOk(direct(repo), ['init'], { env });
    let puts = 0;
    let gets = 0;
    proxy.setPlan((req, n) => {
      if (req.method === 'PUT' && isData(req.url) && ++puts % 3 === 1) return 'cut-request';
      if (req.method === 'GET' && isData(req.url) && ++gets % 3 === 1) return 'cut-response';
      return n % 3 === 0 ? 'error-500' : 'pass';
    });
    const before = proxy.counts.faults;
    // This plan fails about 5 data GETs in 9 (a third cut, a third of the rest answered 500), so
    // one request exhausts the default 7 attempts with odds of about 1 in 60; check --read-data
    // reads packs in pieces (tens of GETs here), which made that a coin toss. The test is about
    // getting through faults, not about the retry count: give every request 16 attempts.
    const patient = [...QUICK, '-o', 'retries=15'];
    await lifeboatOk(viaProxy(repo), [...patient, 'backup', '--host', 'flaky-host', src], { env });
    assert.match((await lifeboatOk(viaProxy(repo), [...patient, 'check', '--read-data'], { env })).stdout.toString(), /no errors were found/);
    assert.ok(proxy.counts.faults - before > 10, `faults injected: ${proxy.counts.faults - before}`);
    assert.ok(puts >= 4 && gets >= 4, `data PUTs ${puts}, GETs ${gets}`);
    proxy.setPlan(() => 'pass');
    // nothing partial was stored: every pack checks with restic, read directly
    assert.match((await r(direct(repo), ['check', '--read-data'])).stdout.toString(), /no errors were found/);
    const target = join(work, 'restore-flaky');
    await r(direct(repo), ['restore', 'latest', '--target', target]);
  });

  test('a store that keeps failing uploads: bounded retries, a clear error, a valid repository afterwards', async () => {
    const repo = 'broken';
    await lifeboatOk(direct(repo), ['init'], { env });
    proxy.setPlan((req) => (req.method === 'PUT' && isData(req.url) ? 'error-500' : 'pass'));
    const started = Date.now();
    const res = await lifeboat(viaProxy(repo), [...QUICK, '-o', 'retries=2', 'backup', src], { env });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /save data\/[0-9a-f]{64} in s3:127\.0\.0\.1:\d+\/bucket\/broken failed: HTTP 500 InternalError \(gave up after 3 attempts\)/);
    assert.ok(Date.now() - started < 30_000);
    // an upload that never answers: the per-call timeout ends it
    proxy.setPlan((req) => (req.method === 'PUT' && isData(req.url) ? 'hang' : 'pass'));
    const hung = await lifeboat(viaProxy(repo), [...QUICK, '-o', 'retries=1', '-o', 'timeout=1s', 'backup', src], { env });
    assert.equal(hung.code, 1, hung.stderr);
    assert.match(hung.stderr, /timed out after 1s/);
    proxy.setPlan(() => 'pass');
    // no snapshot, no lock left behind by the failed runs, and both tools accept the repository
    assert.match((await lifeboatOk(direct(repo), ['list', 'locks'], { env })).stdout.toString(), /^$/);
    assert.match((await r(direct(repo), ['check', '--read-data'])).stdout.toString(), /no errors were found/);
    await lifeboatOk(direct(repo), ['backup', src], { env });
    assert.match((await r(direct(repo), ['check'])).stdout.toString(), /no errors were found/);
  });
});
