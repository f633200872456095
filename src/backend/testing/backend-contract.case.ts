/**
 * The contract every backend keeps (backend.ts), as one suite each backend's test file runs
 * (restic's backend/test): `runBackendContract('local', async () => ({ backend, cleanup }))`.
 * Every test gets a fresh backend on which `create()` has been called, and cleans it up.
 * Reads and writes are here; listing, concurrency, aborts and argument checks in
 * backend-contract-concurrency.case.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BackendError, LifeboatError, NotFoundError } from '../../core/index.js';
import { type Backend, type FileSource, type Handle, handle, loadRangeInto, saveFromFile } from '../index.js';
import { isAbort } from './abort-on-check.js';
import { registerConcurrencyContract } from './backend-contract-concurrency.case.js';
import { type ContractOptions, type WithBackend, id, names, put } from './backend-contract-support.js';

export interface BackendUnderTest {
  backend: Backend;
  /** Removes whatever the backend stored (temporary directory, bucket prefix). */
  cleanup: () => Promise<void>;
}

export function runBackendContract(name: string, makeBackend: () => Promise<BackendUnderTest>, contract: ContractOptions = {}): void {
  const withBackend: WithBackend = (fn) => async (): Promise<void> => {
    const { backend, cleanup } = await makeBackend();
    try {
      await backend.create();
      await fn(backend);
    } finally {
      await backend.close();
      await cleanup();
    }
  };

  describe(`backend contract: ${name}`, () => {
    test(
      'create may run again until a config exists, then fails with E_REPO_EXISTS',
      withBackend(async (b) => {
        assert.equal(typeof b.location, 'string');
        assert.ok(b.connections >= 1);
        await b.create();
        await b.save(handle('config'), Buffer.from('config bytes'));
        await assert.rejects(b.create(), (err: unknown) => err instanceof LifeboatError && err.code === 'E_REPO_EXISTS');
        assert.equal((await b.load(handle('config'))).toString(), 'config bytes');
      }),
    );

    test(
      'save and load: whole file, ranges, to the end, empty files',
      withBackend(async (b) => {
        const data = randomBytes(100_000);
        const h = await put(b, 'data', data);
        assert.deepEqual(await b.load(h), data);
        assert.deepEqual(await b.load(h, 0, 0), data);
        assert.deepEqual(await b.load(h, 10, 20), data.subarray(10, 30));
        assert.deepEqual(await b.load(h, 0, 1), data.subarray(0, 1));
        assert.deepEqual(await b.load(h, 99_999, 1), data.subarray(99_999));
        assert.deepEqual(await b.load(h, 99_990, 0), data.subarray(99_990));
        assert.deepEqual(await b.load(h, 0, 100_000), data);
        assert.equal((await b.load(h, 100_000, 0)).length, 0);
        const empty = await put(b, 'snapshots', Buffer.alloc(0));
        assert.equal((await b.load(empty)).length, 0);
        assert.deepEqual(await b.stat(empty), { name: empty.name, size: 0 });
        assert.deepEqual(await b.stat(h), { name: h.name, size: 100_000 });
      }),
    );

    test(
      'a range past the end is a BackendError saying "truncated" and naming the file',
      withBackend(async (b) => {
        const data = randomBytes(100_000);
        const h = await put(b, 'data', data);
        for (const [offset, length] of [
          [99_990, 100],
          [0, 100_001],
          [100_001, 0],
          [200_000, 5],
        ] as const) {
          await assert.rejects(b.load(h, offset, length), (err: unknown) => {
            assert.ok(err instanceof BackendError, `load(${offset}, ${length}): ${String(err)}`);
            assert.match(err.message, /truncated/);
            assert.ok(err.message.includes(h.name), err.message);
            return true;
          });
        }
      }),
    );

    test(
      "loadInto: ranges into the caller's buffer, which may be reused; same errors as load",
      withBackend(async (b) => {
        const data = randomBytes(3_000_000);
        const h = await put(b, 'data', data);
        const buffer = Buffer.alloc(3_000_010, 0xee);
        for (const [offset, length] of [
          [0, 3_000_000],
          [1_000_000, 1_500_000],
          [5, 10],
          [2_999_999, 1],
          [123, 300_000],
        ] as const) {
          const target = buffer.subarray(3, 3 + length);
          const after = buffer[3 + length];
          await loadRangeInto(b, h, offset, target);
          assert.ok(target.equals(data.subarray(offset, offset + length)), `range ${offset}+${length}`);
          assert.equal(buffer[2], 0xee, 'nothing written before the target');
          assert.equal(buffer[3 + length], after, 'nothing written after the target');
        }
        const target = Buffer.alloc(100);
        for (const [offset, length] of [
          [2_999_990, 100],
          [3_000_001, 5],
        ] as const) {
          await assert.rejects(loadRangeInto(b, h, offset, target.subarray(0, length)), (err: unknown) => {
            assert.ok(err instanceof BackendError, String(err));
            assert.match(err.message, /truncated/);
            assert.ok(err.message.includes(h.name), err.message);
            return true;
          });
        }
        await assert.rejects(loadRangeInto(b, handle('data', 'd'.repeat(64)), 0, target), NotFoundError);
        await assert.rejects(loadRangeInto(b, h, 0, target, { signal: AbortSignal.abort() }), isAbort);
        await assert.rejects(loadRangeInto(b, h, -1, target), RangeError);
        await assert.rejects(loadRangeInto(b, h, 0, Buffer.alloc(0)), RangeError);
        const small = await put(b, 'index', Buffer.from('small file'));
        await loadRangeInto(b, small, 6, target.subarray(0, 4));
        assert.equal(target.subarray(0, 4).toString(), 'file');
      }),
    );

    test(
      "saveFromFile: an open file's bytes under save's rules (same bytes again succeed, other bytes are refused)",
      withBackend(async (b) => {
        const data = randomBytes(2_500_000);
        const other = Buffer.from(data);
        other[1_700_000] = data[1_700_000]! ^ 1;
        const dir = mkdtempSync(join(tmpdir(), 'lifeboat-contract-'));
        const fds: number[] = [];
        const source = (bytes: Uint8Array): FileSource => {
          const path = join(dir, `f${fds.length}`);
          writeFileSync(path, bytes);
          fds.push(openSync(path, 'r'));
          return { fd: fds.at(-1)!, length: bytes.length };
        };
        try {
          const h = handle('data', id(data));
          await saveFromFile(b, h, source(data));
          assert.ok((await b.load(h)).equals(data));
          await saveFromFile(b, h, source(data));
          await assert.rejects(saveFromFile(b, h, source(other)), BackendError);
          assert.ok((await b.load(h)).equals(data), 'the first bytes stay');
          // a source shorter than it claims fails and leaves nothing behind
          const short = source(data.subarray(0, 1000));
          const h2 = handle('data', id(other));
          await assert.rejects(saveFromFile(b, h2, { fd: short.fd, length: 5000 }));
          await assert.rejects(b.stat(h2), NotFoundError);
          assert.deepEqual(await names(b, 'data'), [h.name]);
        } finally {
          for (const fd of fds) closeSync(fd);
          rmSync(dir, { recursive: true, force: true });
        }
      }),
    );

    test(
      'the config is one file, outside every list',
      withBackend(async (b) => {
        await assert.rejects(b.stat(handle('config')), NotFoundError);
        await b.save(handle('config'), Buffer.from('cfg'));
        assert.equal((await b.stat(handle('config'))).size, 3);
        assert.equal((await b.load(handle('config'), 1, 1)).toString(), 'f');
        for (const t of ['keys', 'locks', 'snapshots', 'index', 'data'] as const) assert.deepEqual(await names(b, t), []);
        await b.remove(handle('config'));
        await assert.rejects(b.load(handle('config')), NotFoundError);
      }),
    );

    test(
      'missing files: NotFoundError naming the handle and the location',
      withBackend(async (b) => {
        const missing = [handle('snapshots', 'a'.repeat(64)), handle('data', 'b'.repeat(64)), handle('keys', 'c'.repeat(64)), handle('config')];
        const named =
          (h: Handle) =>
          (err: unknown): boolean => {
            assert.ok(err instanceof NotFoundError, String(err));
            if (h.name) assert.ok(err.message.includes(h.name), err.message);
            assert.ok(err.message.includes(b.location), err.message);
            return true;
          };
        for (const h of missing) {
          await assert.rejects(b.load(h), named(h));
          await assert.rejects(b.load(h, 0, 10), named(h));
          await assert.rejects(b.load(h, 5, 1 << 20), named(h));
          await assert.rejects(b.stat(h), named(h));
          await assert.rejects(b.remove(h), named(h));
        }
        const h = await put(b, 'locks', Buffer.from('lock'));
        await b.remove(h);
        await assert.rejects(b.load(h), NotFoundError);
        await assert.rejects(b.remove(h), NotFoundError);
      }),
    );

    test(
      'identical bytes twice succeed; different bytes fail and never overwrite',
      withBackend(async (b) => {
        const data = Buffer.from('same');
        const h = await put(b, 'index', data);
        await b.save(h, Buffer.from('same'));
        await assert.rejects(b.save(h, Buffer.from('othr')), (err: unknown) => {
          assert.ok(err instanceof BackendError && !err.transient, String(err));
          assert.ok(err.message.includes(h.name), err.message);
          return true;
        });
        await assert.rejects(b.save(h, Buffer.from('longer content')), BackendError);
        await assert.rejects(b.save(h, Buffer.alloc(0)), BackendError);
        assert.deepEqual(await b.load(h), data);
        assert.deepEqual(await names(b, 'index'), [h.name]);

        await b.save(handle('config'), Buffer.from('first'));
        await b.save(handle('config'), Buffer.from('first'));
        await assert.rejects(b.save(handle('config'), Buffer.from('second')), BackendError);
        assert.equal((await b.load(handle('config'))).toString(), 'first');
      }),
    );

    registerConcurrencyContract(withBackend, contract);
  });
}
