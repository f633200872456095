/**
 * The backend contract, second half (see backend-contract.case.ts): listing, concurrent saves,
 * large objects, aborts, argument checks and buffer ownership.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { BackendError, NotFoundError } from '../../core/index.js';
import { handle } from '../index.js';
import { abortOnCheck, isAbort } from './abort-on-check.js';
import { type ContractOptions, type WithBackend, id, listed, names, put } from './backend-contract-support.js';

export function registerConcurrencyContract(withBackend: WithBackend, contract: ContractOptions): void {
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
}
