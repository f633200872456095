/**
 * The contract every backend keeps (backend.ts), as one suite each backend's test file runs
 * (restic's backend/test): `runBackendContract('local', async () => ({ backend, cleanup }))`.
 * Every test gets a fresh backend on which `create()` has been called, and cleans it up.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BackendError, LifeboatError, NotFoundError, sha256Id } from '../../core/index.js';
import { type Backend, type FileSource, type FileType, type Handle, handle, loadRangeInto, saveFromFile } from '../index.js';
import { abortOnCheck, isAbort } from './abort-on-check.js';

export interface BackendUnderTest {
  backend: Backend;
  /** Removes whatever the backend stored (temporary directory, bucket prefix). */
  cleanup: () => Promise<void>;
}

const id = (data: Uint8Array): string => sha256Id(data);

async function listed(b: Backend, type: FileType): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const f of b.list(type)) {
    assert.ok(!out.has(f.name), `${type}/${f.name} listed twice`);
    out.set(f.name, f.size);
  }
  return out;
}

async function names(b: Backend, type: FileType): Promise<string[]> {
  return [...(await listed(b, type)).keys()].sort();
}

/** Saves `data` under its SHA-256 as `type` and returns the handle. */
async function put(b: Backend, type: FileType, data: Uint8Array): Promise<Handle> {
  const h = handle(type, id(data));
  await b.save(h, data);
  return h;
}

/** What a backend cannot promise because of the server behind it (documented per backend). */
export interface ContractOptions {
  /**
   * The server writes files in place, so a listing during a save may show a partial size
   * (`rclone serve restic` 1.60 over a local directory). Only the final listing is checked.
   */
  partialFilesListed?: boolean;
}

export function runBackendContract(name: string, makeBackend: () => Promise<BackendUnderTest>, contract: ContractOptions = {}): void {
  const withBackend = (fn: (b: Backend) => Promise<void>) => async (): Promise<void> => {
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

    test(
      'concurrent saves of one name with different bytes: exactly one wins',
      withBackend(async (b) => {
        for (const h of [handle('config'), handle('snapshots', 'd'.repeat(64))]) {
          const versions = Array.from({ length: 6 }, (_, i) => Buffer.from(`version ${i} `.repeat(100 * (i + 1))));
          const results = await Promise.allSettled(versions.map((v) => b.save(h, v)));
          const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
          assert.equal(won.length, 1, `winners: ${won.join(', ')}`);
          for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof BackendError, String(r.reason));
          assert.deepEqual(await b.load(h), versions[won[0]!]);
        }
      }),
    );

    test(
      'list: thousands of files with their sizes, types kept apart, remove',
      withBackend(async (b) => {
        const datas = Array.from({ length: 3000 }, (_, i) => Buffer.from(`blob ${i} `.repeat(1 + (i % 7))));
        for (let i = 0; i < datas.length; i += 100) {
          await Promise.all(datas.slice(i, i + 100).map((d) => put(b, 'data', d)));
        }
        const snap = await put(b, 'snapshots', Buffer.from('a snapshot'));
        const idx = await put(b, 'index', Buffer.from('an index'));
        const data = await listed(b, 'data');
        assert.equal(data.size, datas.length);
        for (const d of datas) assert.equal(data.get(id(d)), d.length);
        assert.deepEqual(await names(b, 'snapshots'), [snap.name]);
        assert.deepEqual(await names(b, 'index'), [idx.name]);
        assert.deepEqual(await names(b, 'keys'), []);
        assert.deepEqual(await names(b, 'locks'), []);
        const gone = datas.slice(0, 10).map((d) => handle('data', id(d)));
        await Promise.all(gone.map((h) => b.remove(h)));
        const after = await listed(b, 'data');
        assert.equal(after.size, datas.length - gone.length);
        for (const h of gone) assert.ok(!after.has(h.name));
      }),
    );

    test(
      'list skips names that are not IDs (temporary leftovers, upper case, other files)',
      withBackend(async (b) => {
        const h = await put(b, 'data', Buffer.from('pack'));
        const s = await put(b, 'snapshots', Buffer.from('snap'));
        const others = [
          handle('data', `${h.name}-tmp-0123456789abcdef`),
          handle('data', h.name.slice(0, 63)),
          handle('data', `${h.name}0`),
          handle('snapshots', s.name.toUpperCase()),
          handle('snapshots', 'README'),
          handle('snapshots', `${'g'.repeat(64)}`),
        ];
        for (const o of others) await b.save(o, Buffer.from('not an ID'));
        assert.deepEqual(await names(b, 'data'), [h.name]);
        assert.deepEqual(await names(b, 'snapshots'), [s.name]);
        assert.equal((await b.load(others[4]!)).toString(), 'not an ID');
      }),
    );

    test(
      'large objects (20 MiB) whole and in ranges; never listed before complete',
      withBackend(async (b) => {
        const big = randomBytes(20 * 1024 * 1024);
        const h = handle('data', id(big));
        let settled = false;
        const saving = b.save(h, big).finally(() => {
          settled = true;
        });
        while (!settled) {
          const size = (await listed(b, 'data')).get(h.name);
          if (!contract.partialFilesListed) assert.ok(size === undefined || size === big.length, `listed with ${size} of ${big.length} bytes`);
        }
        await saving;
        assert.equal((await listed(b, 'data')).get(h.name), big.length);
        assert.deepEqual(await b.load(h), big);
        assert.deepEqual(await b.load(h, 1_000_000, 3_000_000), big.subarray(1_000_000, 4_000_000));
        assert.deepEqual(await b.load(h, big.length - 5, 0), big.subarray(big.length - 5));
        assert.deepEqual(await b.load(h, 12_345_678, 100), big.subarray(12_345_678, 12_345_778));
        await assert.rejects(b.load(h, 1_000_000, big.length), /truncated/);
        assert.equal((await b.stat(h)).size, big.length);
      }),
    );

    test(
      'concurrent saves: 50 files at once, and one file saved 10 times at once',
      withBackend(async (b) => {
        const datas = Array.from({ length: 50 }, () => randomBytes(1000 + Math.floor(Math.random() * 5000)));
        await Promise.all(datas.map((d) => put(b, 'data', d)));
        const same = randomBytes(70_000);
        await Promise.all(Array.from({ length: 10 }, () => b.save(handle('index', id(same)), Buffer.from(same))));
        for (const d of datas) assert.deepEqual(await b.load(handle('data', id(d))), d);
        assert.deepEqual(await b.load(handle('index', id(same))), same);
        assert.equal((await listed(b, 'data')).size, 50);
        assert.deepEqual(await names(b, 'index'), [id(same)]);
      }),
    );

    test(
      'aborts: an aborted signal stops every operation',
      withBackend(async (b) => {
        const h = await put(b, 'snapshots', Buffer.from('x'));
        const signal = AbortSignal.abort();
        await assert.rejects(b.save(handle('snapshots', 'e'.repeat(64)), Buffer.from('y'), { signal }), isAbort);
        await assert.rejects(b.load(h, 0, 0, { signal }), isAbort);
        await assert.rejects(b.load(h, 0, 1, { signal }), isAbort);
        await assert.rejects(b.stat(h, { signal }), isAbort);
        await assert.rejects(b.remove(h, { signal }), isAbort);
        await assert.rejects(async () => {
          for await (const f of b.list('snapshots', { signal })) void f;
        }, isAbort);
        assert.deepEqual(await names(b, 'snapshots'), [h.name]);
      }),
    );

    test(
      'an abort between any two steps of a save leaves nothing or the whole file',
      withBackend(async (b) => {
        const done: string[] = [];
        for (let k = 1; k < 20; k++) {
          const data = randomBytes(300_000);
          const h = handle('data', id(data));
          const { signal, fired } = abortOnCheck(k);
          try {
            await b.save(h, data, { signal });
            done.push(h.name);
            assert.deepEqual(await b.load(h), data);
          } catch (err) {
            assert.ok(isAbort(err), String(err));
            await assert.rejects(b.stat(h), NotFoundError);
          }
          if (!fired()) break;
        }
        assert.deepEqual(await names(b, 'data'), done.sort());
      }),
    );

    test(
      'names that are not one path component and negative ranges are programmer errors',
      withBackend(async (b) => {
        for (const bad of ['../config', 'a/b', '..', '']) {
          await assert.rejects(b.save(handle('snapshots', bad), Buffer.from('x')), TypeError);
        }
        const h = await put(b, 'snapshots', Buffer.from('x'));
        await assert.rejects(b.load(h, -1, 0), RangeError);
        await assert.rejects(b.load(h, 0, -1), RangeError);
        await assert.rejects(b.load(h, 0.5, 0), RangeError);
        await assert.rejects(b.stat(handle('config')), NotFoundError);
      }),
    );

    test(
      'buffers are not shared: changing the input or a loaded copy changes nothing stored',
      withBackend(async (b) => {
        const data = Buffer.from('original content');
        const h = handle('data', id(data));
        const input = Buffer.from(data);
        await b.save(h, input);
        input.fill(0);
        const loaded = await b.load(h);
        assert.deepEqual(loaded, data);
        loaded.fill(1);
        assert.deepEqual(await b.load(h), data);
        assert.deepEqual(await b.load(h, 0, 8), data.subarray(0, 8));
      }),
    );
  });
}
