import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifeboatError } from '../../core/index.js';
import { LocalBackend } from '../local/index.js';
import { MemoryBackend } from '../memory/index.js';
import { type RestLocation, openBackend, parseLocation, registerScheme, registeredSchemes } from './index.js';

test('local is built in: paths and local: open a LocalBackend on the absolute path', async () => {
  assert.deepEqual(registeredSchemes(), ['local']);
  const b = await openBackend('local:/srv/some/repo');
  assert.ok(b instanceof LocalBackend);
  assert.equal(b.location, '/srv/some/repo');
  const c = await openBackend(parseLocation('/srv/other'));
  assert.equal(c.location, '/srv/other');
});

test('schemes without a factory fail with E_UNSUPPORTED, a hint and no password', async () => {
  for (const text of ['rest:https://u:secret@host/', 's3:host/bucket', 'rclone:r:p', 'sftp:h:/p', 'b2:bucket:p']) {
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
  const seen: RestLocation[] = [];
  const undo = registerScheme('rest', (loc) => {
    seen.push(loc);
    return new MemoryBackend();
  });
  try {
    const b = await openBackend('rest:http://host:8000/repo');
    assert.ok(b instanceof MemoryBackend);
    assert.deepEqual(seen, [{ scheme: 'rest', url: 'http://host:8000/repo/' }]);
    assert.deepEqual(registeredSchemes(), ['local', 'rest']);
  } finally {
    undo();
  }
  await assert.rejects(openBackend('rest:http://host:8000/repo'), /not supported/);
  const undoLocal = registerScheme('local', async () => new MemoryBackend());
  assert.ok((await openBackend('/x')) instanceof MemoryBackend);
  undoLocal();
  assert.ok((await openBackend('/x')) instanceof LocalBackend);
});

test('openBackend honours an aborted signal', async () => {
  await assert.rejects(openBackend('/x', { signal: AbortSignal.abort() }), { name: 'AbortError' });
});
