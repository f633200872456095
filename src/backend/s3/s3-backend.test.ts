import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BackendError, NotFoundError, sha256Id } from '../../core/index.js';
import { makeTempDir } from '../../../test/helpers/tmp.js';
import { handle } from '../index.js';
import { type S3TestServer, runBackendContract, startS3Server } from '../testing/index.js';
import { type S3Options, openS3Backend } from './index.js';

let server: S3TestServer;
let dir: string;
let n = 0;

before(async () => {
  dir = await makeTempDir('lifeboat-s3-');
  server = await startS3Server(dir, ['bucket']);
});

after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

function open(bucket: string, prefix: string, extra: Partial<S3Options> = {}) {
  return openS3Backend({
    endpoint: server.endpoint,
    useHttp: false,
    bucket,
    prefix,
    location: `s3:https://${server.endpoint}/${bucket}/${prefix}`,
    connections: 5,
    idleTimeoutMs: 30_000,
    ca: server.ca,
    env: server.env,
    ...extra,
  });
}

runBackendContract('s3 (s3rver over https)', async () => {
  const prefix = `repo-${++n}`;
  return { backend: open('bucket', prefix), cleanup: () => rm(join(server.directory, 'bucket', prefix), { recursive: true, force: true }) };
});

test("s3: restic's key layout under the prefix, data fanned out into data/XX", async () => {
  const b = open('bucket', 'deep/prefix');
  await b.create();
  const id = sha256Id(Buffer.from('pack'));
  await b.save(handle('data', id), Buffer.from('pack'));
  await b.save(handle('keys', 'f'.repeat(64)), Buffer.from('key'));
  await b.save(handle('config'), Buffer.from('cfg'));
  const root = join(server.directory, 'bucket', 'deep', 'prefix');
  assert.ok(existsSync(join(root, 'data', id.slice(0, 2), `${id}._S3rver_object`)));
  assert.ok(existsSync(join(root, 'keys', `${'f'.repeat(64)}._S3rver_object`)));
  assert.ok(existsSync(join(root, 'config._S3rver_object')));
  assert.equal(b.key(handle('data', id)), `deep/prefix/data/${id.slice(0, 2)}/${id}`);
  await b.close();
});

test('s3: create makes a missing bucket; a missing bucket reads as NotFoundError naming it', async () => {
  const b = open('fresh-bucket', 'r');
  await assert.rejects(b.load(handle('config')), (err: unknown) => {
    assert.ok(err instanceof NotFoundError, String(err));
    assert.match(err.message, /bucket "fresh-bucket" does not exist/);
    return true;
  });
  await b.create();
  await b.save(handle('config'), Buffer.from('x'));
  assert.equal((await b.load(handle('config'))).toString(), 'x');
  await b.close();
});

test('s3: an unknown access key is a permanent error with a hint, never showing the secret', async () => {
  const b = open('bucket', 'creds', { env: { AWS_ACCESS_KEY_ID: 'NOBODY', AWS_SECRET_ACCESS_KEY: 'very-secret-value' } });
  await assert.rejects(b.stat(handle('config')), (err: unknown) => {
    assert.ok(err instanceof BackendError && !err.transient, String(err));
    assert.match(err.message, /refused the credentials \(HTTP 403/);
    assert.match(err.message, new RegExp(`s3:https://${server.endpoint}/bucket/creds`));
    assert.match(err.hint ?? '', /AWS_ACCESS_KEY_ID/);
    assert.ok(!JSON.stringify({ m: err.message, h: err.hint }).includes('very-secret-value'));
    return true;
  });
  // a GET carries the store's error code
  await assert.rejects(b.load(handle('config')), /refused the credentials \(HTTP 403 InvalidAccessKeyId\)/);
  const none = open('bucket', 'creds', { env: {} });
  await assert.rejects(none.stat(handle('config')), /no S3 credentials/);
  await b.close();
  await none.close();
});

test('s3: an unreachable endpoint and an untrusted certificate are classified', async () => {
  const refused = openS3Backend({ endpoint: '127.0.0.1:1', useHttp: false, bucket: 'b', prefix: '', location: 's3:https://127.0.0.1:1/b', connections: 1, idleTimeoutMs: 5000, env: server.env });
  await assert.rejects(
    refused.stat(handle('config')),
    (err: unknown) => err instanceof BackendError && err.transient && /ECONNREFUSED/.test(err.message) && /s3:https:\/\/127\.0\.0\.1:1\/b/.test(err.message),
  );
  const untrusted = open('bucket', 'x', { ca: undefined });
  await assert.rejects(untrusted.stat(handle('config')), (err: unknown) => err instanceof BackendError && !err.transient && /cacert/.test(err.hint ?? ''));
  await refused.close();
  await untrusted.close();
});

test('s3: two clients (as two processes would) racing on one name with different bytes: the store lets one win', async () => {
  const a = open('bucket', 'race');
  const b = open('bucket', 'race');
  for (let round = 0; round < 5; round++) {
    const h = handle('snapshots', sha256Id(Buffer.from(`round ${round}`)));
    const results = await Promise.allSettled([a.save(h, Buffer.from(`A ${round}`.repeat(5000))), b.save(h, Buffer.from(`B ${round}`.repeat(5000)))]);
    const won = results.filter((x) => x.status === 'fulfilled');
    assert.equal(won.length, 1, JSON.stringify(results.map((x) => x.status)));
    for (const x of results) if (x.status === 'rejected') assert.match(String(x.reason), /already exists with different content/);
    const stored = (await a.load(h)).toString();
    assert.equal(stored, (results[0].status === 'fulfilled' ? `A ${round}` : `B ${round}`).repeat(5000));
  }
  await a.close();
  await b.close();
});

test('s3: a pack is uploaded with its name as the signed SHA-256; bytes that do not match their name are refused by the store', async () => {
  const b = open('bucket', 'hashes');
  await b.create();
  const pack = Buffer.from('pack bytes');
  await b.save(handle('data', sha256Id(pack)), pack);
  await assert.rejects(b.save(handle('data', sha256Id(Buffer.from('other'))), pack), (err: unknown) => {
    assert.ok(err instanceof BackendError, String(err));
    assert.match(err.message, /HTTP 400 XAmzContentSHA256Mismatch/);
    return true;
  });
  await assert.rejects(b.stat(handle('data', sha256Id(Buffer.from('other')))), NotFoundError);
  await b.close();
});
