import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifeboatError } from '../../core/index.js';
import { LocalBackend } from '../local/index.js';
import { MemoryBackend } from '../memory/index.js';
import { type OtherLocation, openBackend, parseLocation, registerScheme, registeredSchemes } from './index.js';

test('local is built in: paths and local: open a LocalBackend on the absolute path', async () => {
  assert.deepEqual(registeredSchemes(), ['local', 'rclone', 'rest', 's3', 'sftp']);
  const b = await openBackend('local:/srv/some/repo');
  assert.ok(b instanceof LocalBackend);
  assert.equal(b.location, '/srv/some/repo');
  const c = await openBackend(parseLocation('/srv/other'));
  assert.equal(c.location, '/srv/other');
});

test('schemes without a factory fail with E_UNSUPPORTED, a hint and no password', async () => {
  for (const text of ['azure:container:/p', 'swift:c:/p', 'b2:bucket:p', 'gs:b:/p']) {
    await assert.rejects(openBackend(text), (err: unknown) => {
      assert.ok(err instanceof LifeboatError && err.code === 'E_UNSUPPORTED', String(err));
      assert.ok(err.hint, 'has a hint');
      assert.ok(!err.message.includes('secret'), err.message);
      return true;
    });
  }
  await assert.rejects(openBackend('rest:nonsense'), (err: unknown) => err instanceof LifeboatError && err.code === 'E_USAGE');
});

test('registerScheme plugs in a factory with the parsed location; undo restores the previous state', async () => {
  const seen: OtherLocation[] = [];
  const undo = registerScheme('b2', (loc) => {
    seen.push(loc);
    return new MemoryBackend();
  });
  try {
    const b = await openBackend('b2:bucket:repo');
    assert.ok(b instanceof MemoryBackend);
    assert.deepEqual(seen, [parseLocation('b2:bucket:repo')]);
    assert.deepEqual(registeredSchemes(), ['b2', 'local', 'rclone', 'rest', 's3', 'sftp']);
  } finally {
    undo();
  }
  await assert.rejects(openBackend('b2:bucket:repo'), /not supported/);
  const undoLocal = registerScheme('local', async () => new MemoryBackend());
  assert.ok((await openBackend('/x')) instanceof MemoryBackend);
  undoLocal();
  assert.ok((await openBackend('/x')) instanceof LocalBackend);
});

test('openBackend honours an aborted signal', async () => {
  await assert.rejects(openBackend('/x', { signal: AbortSignal.abort() }), { name: 'AbortError' });
});

test('rest, s3 and rclone open their backends, named without secrets; bad settings are usage errors', async () => {
  const rest = await openBackend('rest:https://user:secret@host:8000/repo');
  assert.equal(rest.location, 'rest:https://user:***@host:8000/repo/');
  assert.equal(rest.connections, 5);
  await rest.close();
  const s3 = await openBackend('s3:https://minio.example:9000/bucket/prefix', { env: {}, connections: 9 });
  assert.equal(s3.location, 's3:minio.example:9000/bucket/prefix');
  assert.equal(s3.connections, 9);
  await s3.close();
  await assert.rejects(openBackend('s3:host/b', { settings: new Map([['bucket-lookup', 'sideways']]) }), (err: unknown) => err instanceof LifeboatError && err.code === 'E_USAGE');
});
