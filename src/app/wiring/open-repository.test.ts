import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifeboatError } from '../../core/index.js';
import { BACKEND_OPTIONS_VAR, durationMs, openLocation, parseBackendOptions } from './open-repository.js';

const usage = (err: unknown): boolean => err instanceof LifeboatError && err.code === 'E_USAGE';

test("-o options: restic's names, typed; another scheme's options ignored; unknown keys refused", () => {
  const o = parseBackendOptions(
    ['connections=8', 'timeout=90s', 'idle-timeout=2m', 'retries=0', 'retry-delay=250ms', 's3.region=eu-west-1', 's3.bucket-lookup=dns', 'rclone.program=/opt/rclone'],
    's3',
  );
  assert.equal(o.connections, 8);
  assert.equal(o.timeoutMs, 90_000);
  assert.equal(o.idleTimeoutMs, 120_000);
  assert.equal(o.retries, 0);
  assert.equal(o.retryDelayMs, 250);
  assert.deepEqual(
    [...o.scheme],
    [
      ['region', 'eu-west-1'],
      ['bucket-lookup', 'dns'],
    ],
  );
  assert.equal(parseBackendOptions(['s3.connections=3', 'rest.connections=9'], 'rest').connections, 9);
  for (const bad of ['nonsense=1', 's3.nonsense=1', 'ftp.connections=1', 'connections', 'connections=0', 'connections=x', 'timeout=soon', 'retries=-1']) {
    assert.throws(() => parseBackendOptions([bad], 's3'), usage, bad);
  }
  assert.throws(
    () => parseBackendOptions(['bogus=1'], 'local'),
    (err: unknown) => usage(err) && /known options: connections/.test((err as LifeboatError).hint ?? ''),
  );
  assert.equal(parseBackendOptions([], 'rest', { RESTIC_CACERT: '/ca.pem' }).cacert, '/ca.pem');
  assert.equal(parseBackendOptions(['cacert=/mine.pem'], 'rest', { LIFEBOAT_CACERT: '/ca.pem' }).cacert, '/mine.pem');
  assert.equal(durationMs('t', '1.5'), 1500);
  assert.equal(durationMs('t', '1h'), 3_600_000);
});

test('openLocation: options from the context or the variable -o fills; the stack reports the connections', async () => {
  const ctx = { flags: { repo: 'rest:http://127.0.0.1:1/' }, env: { [BACKEND_OPTIONS_VAR]: JSON.stringify(['connections=7']) } };
  const b = await openLocation(ctx);
  assert.equal(b.connections, 7);
  assert.equal(b.location, 'rest:http://127.0.0.1:1/');
  await b.close();
  const c = await openLocation({ ...ctx, env: { [BACKEND_OPTIONS_VAR]: 'connections=3 retries=1' } });
  assert.equal(c.connections, 3);
  await c.close();
  const d = await openLocation({ ...ctx, backendOptions: ['rest.connections=2'] });
  assert.equal(d.connections, 2);
  await d.close();
  await assert.rejects(openLocation({ ...ctx, backendOptions: ['cacert=/nonexistent/ca.pem'] }), (err: unknown) => usage(err) && /cannot read the CA certificate/.test(String(err)));
  await assert.rejects(openLocation({ ...ctx, env: { [BACKEND_OPTIONS_VAR]: '["connections=1", 2]' } }), usage);
});
