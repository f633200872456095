import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handle } from '../index.js';
import { runBackendContract } from '../testing/index.js';
import { MemoryBackend } from './memory-backend.js';

runBackendContract('memory', async () => ({ backend: new MemoryBackend(), cleanup: async () => {} }));

test('memory backend: instances are separate stores with distinct locations', async () => {
  const a = new MemoryBackend();
  const b = new MemoryBackend();
  assert.notEqual(a.location, b.location);
  await a.save(handle('config'), Buffer.from('a'));
  await b.create();
  await assert.rejects(a.create(), /already exists/);
  await assert.rejects(b.load(handle('config')), /does not exist/);
});
