import assert from 'node:assert/strict';
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LifeboatError } from '../core/index.js';
import { withTempDir } from '../../test/helpers/tmp.js';
import { handle, readFileRange, saveFromFile } from './backend.js';
import { MemoryBackend } from './memory/index.js';

test('a source file shorter than announced is a typed E_IO error naming what was being saved', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'pack.tmp');
    await writeFile(path, Buffer.alloc(100, 7));
    const fh = await open(path, 'r');
    try {
      await assert.rejects(readFileRange(fh.fd, Buffer.alloc(50), 80), (err: unknown) => {
        assert.ok(err instanceof LifeboatError);
        assert.equal(err.code, 'E_IO');
        assert.equal(err.message, 'the source file ended after 100 bytes, 30 bytes short of what was to be saved');
        return true;
      });
      const backend = new MemoryBackend();
      const h = handle('data', 'a'.repeat(64));
      await assert.rejects(saveFromFile(backend, h, { fd: fh.fd, length: 150 }), (err: unknown) => {
        assert.ok(err instanceof LifeboatError);
        assert.equal(err.code, 'E_IO');
        assert.match(err.message, new RegExp(`^the source of data/${'a'.repeat(64)} ended after 100 bytes`));
        return true;
      });
    } finally {
      await fh.close();
    }
  });
});
