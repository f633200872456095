/**
 * The contract every backend keeps (backend.ts), as one suite each backend's test file runs:
 * `runBackendContract('local', async () => ({ backend, cleanup }))`.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { NotFoundError } from '../../core/index.js';
import { type Backend, type FileType, handle } from '../backend.js';

export interface BackendUnderTest {
  backend: Backend;
  cleanup(): Promise<void>;
}

const id = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function names(b: Backend, type: FileType): Promise<string[]> {
  const out: string[] = [];
  for await (const f of b.list(type)) out.push(f.name);
  return out.sort();
}

export function runBackendContract(name: string, make: () => Promise<BackendUnderTest>): void {
  const withBackend = (fn: (b: Backend) => Promise<void>) => async (): Promise<void> => {
    const { backend, cleanup } = await make();
    try {
      await backend.create();
      await fn(backend);
    } finally {
      await cleanup();
    }
  };

  describe(`backend contract: ${name}`, () => {
    test('save, load whole and ranges, stat', withBackend(async (b) => {
      const data = randomBytes(100_000);
      const h = handle('data', id(data));
      await b.save(h, data);
      assert.ok((await b.load(h)).equals(data));
      assert.ok((await b.load(h, 10, 20)).equals(data.subarray(10, 30)));
      assert.ok((await b.load(h, 99_990, 0)).equals(data.subarray(99_990)));
      assert.equal((await b.stat(h)).size, data.length);
      await assert.rejects(b.load(h, 99_990, 100), /truncated|past the end/);
    }));

    test('config is a single file', withBackend(async (b) => {
      await b.save(handle('config'), Buffer.from('cfg'));
      assert.equal((await b.load(handle('config'))).toString(), 'cfg');
      await assert.rejects(b.create(), /exists/);
    }));

    test('missing files are NotFoundError for load, stat and remove', withBackend(async (b) => {
      const h = handle('snapshots', 'a'.repeat(64));
      await assert.rejects(b.load(h), NotFoundError);
      await assert.rejects(b.stat(h), NotFoundError);
      await assert.rejects(b.remove(h), NotFoundError);
    }));

    test('saving identical bytes twice succeeds, different bytes never overwrite', withBackend(async (b) => {
      const data = Buffer.from('same');
      const h = handle('index', id(data));
      await b.save(h, data);
      await b.save(h, data);
      await assert.rejects(b.save(h, Buffer.from('other')), /different content/);
      assert.ok((await b.load(h)).equals(data));
    }));

    test('list yields every file of a type (thousands), remove removes', withBackend(async (b) => {
      const ids: string[] = [];
      const datas = Array.from({ length: 3000 }, (_, i) => Buffer.from(`blob ${i}`));
      for (const d of datas) ids.push(id(d));
      for (let i = 0; i < datas.length; i += 100) {
        await Promise.all(datas.slice(i, i + 100).map((d) => b.save(handle('data', id(d)), d)));
      }
      assert.deepEqual(await names(b, 'data'), [...ids].sort());
      assert.deepEqual(await names(b, 'keys'), []);
      await b.remove(handle('data', ids[0]!));
      assert.equal((await names(b, 'data')).length, 2999);
    }));

    test('large objects and concurrent saves', withBackend(async (b) => {
      const big = randomBytes(20 * 1024 * 1024);
      const datas = Array.from({ length: 50 }, () => randomBytes(1000));
      await Promise.all([b.save(handle('data', id(big)), big), ...datas.map((d) => b.save(handle('data', id(d)), d))]);
      assert.ok((await b.load(handle('data', id(big)))).equals(big));
      for (const d of datas) assert.ok((await b.load(handle('data', id(d)))).equals(d));
    }));
  });
}
