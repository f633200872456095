import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { chmod, mkdir, readdir, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { BackendError, NotFoundError, sha256Id } from '../../core/index.js';
import { cachedBytes, onTmpfs } from '../../../test/helpers/page-cache.js';
import { makeTempDir, withTempDir } from '../../../test/helpers/tmp.js';
import { type Handle, handle } from '../index.js';
import { abortOnCheck, isAbort, runBackendContract } from '../testing/index.js';
import { openTmpfile } from '../../native/index.js';
import { LocalBackend, repositoryExists } from './local-backend.js';

runBackendContract('local', async () => {
  const dir = await makeTempDir('lifeboat-local-');
  return { backend: new LocalBackend(join(dir, 'repo')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

/** A fresh backend on which create() ran, in a temporary directory removed afterwards. */
function withRepo(fn: (b: LocalBackend, root: string, t: TestContext) => Promise<void>): (t: TestContext) => Promise<void> {
  return (t) =>
    withTempDir(async (dir) => {
      const root = join(dir, 'repo');
      const b = new LocalBackend(root);
      await b.create();
      await fn(b, root, t);
    }, 'lifeboat-local-');
}

/** Every file below `dir` (relative paths), for spotting leftovers. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

const dataHandle = (data: Uint8Array): Handle => handle('data', sha256Id(data));

test(
  'create: restic layout with all 256 data/XX directories, mode 0700',
  withRepo(async (_b, root) => {
    assert.deepEqual((await readdir(root)).sort(), ['data', 'index', 'keys', 'locks', 'snapshots']);
    const xx = (await readdir(join(root, 'data'))).sort();
    assert.equal(xx.length, 256);
    assert.equal(xx[0], '00');
    assert.equal(xx[255], 'ff');
    for (const d of ['keys', 'locks', 'snapshots', 'index', 'data', 'data/00', 'data/ff']) {
      assert.equal((await stat(join(root, d))).mode & 0o777, 0o700, d);
    }
  }),
);

test(
  'files land at restic paths, read-only (0400), no temporary file left',
  withRepo(async (b, root) => {
    const pack = Buffer.from('a pack');
    const ph = dataHandle(pack);
    const sh = handle('snapshots', sha256Id(Buffer.from('snap')));
    await b.save(ph, pack);
    await b.save(sh, Buffer.from('snap'));
    await b.save(handle('config'), Buffer.from('cfg'));
    const expected = ['config', `data/${ph.name.slice(0, 2)}/${ph.name}`, `snapshots/${sh.name}`].sort();
    assert.deepEqual(await filesBelow(root), expected);
    for (const f of expected) assert.equal((await stat(join(root, f))).mode & 0o777, 0o400, f);
    assert.equal(b.path(ph), join(root, 'data', ph.name.slice(0, 2), ph.name));
    assert.equal(b.connections, 2);
  }),
);

test(
  'data/XX directories are made on demand and not needed for listing',
  withRepo(async (b, root) => {
    await rm(join(root, 'data'), { recursive: true });
    assert.deepEqual(await collect(b, 'data'), []);
    const pack = Buffer.from('on demand');
    await b.save(dataHandle(pack), pack);
    assert.deepEqual(await collect(b, 'data'), [dataHandle(pack).name]);
    assert.deepEqual(await readdir(join(root, 'data')), [dataHandle(pack).name.slice(0, 2)]);
    // directories and files that do not belong to the layout are ignored
    await mkdir(join(root, 'data', 'zz'));
    await writeFile(join(root, 'data', 'zz', 'f'.repeat(64)), 'x');
    await writeFile(join(root, 'data', 'e'.repeat(64)), 'a pack outside data/XX');
    await rm(join(root, 'locks'), { recursive: true });
    assert.deepEqual(await collect(b, 'data'), [dataHandle(pack).name]);
    assert.deepEqual(await collect(b, 'locks'), []);
  }),
);

test('a missing repository directory is NotFoundError for save and is not recreated', async () => {
  await withTempDir(async (dir) => {
    const root = join(dir, 'gone');
    const b = new LocalBackend(root);
    await assert.rejects(b.save(handle('locks', 'a'.repeat(64)), Buffer.from('x')), (err: unknown) => {
      assert.ok(err instanceof NotFoundError, String(err));
      assert.ok(err.message.includes(root), err.message);
      return true;
    });
    await assert.rejects(stat(root), { code: 'ENOENT' });
    assert.deepEqual(await collect(b, 'snapshots'), []);
    assert.equal(await repositoryExists(root), false);
  });
});

test(
  'a failed save leaves no temporary file',
  withRepo(async (b, root) => {
    // the final name is taken by a directory: the temporary file is written, then publishing fails
    const pack = Buffer.from('blocked');
    const h = dataHandle(pack);
    await mkdir(b.path(h));
    await assert.rejects(b.save(h, pack), BackendError);
    assert.deepEqual(await readdir(join(root, 'data', h.name.slice(0, 2))), [h.name]);
    // data/XX is a regular file: the temporary file cannot even be created
    const other = Buffer.from('no directory');
    const o = dataHandle(other);
    const xx = join(root, 'data', o.name.slice(0, 2));
    await rm(xx, { recursive: true });
    await writeFile(xx, 'not a directory');
    await assert.rejects(b.save(o, other), (err: unknown) => err instanceof BackendError && !err.transient);
    assert.equal((await stat(xx)).isFile(), true);
    assert.deepEqual(
      (await filesBelow(root)).filter((f) => f.includes('-tmp-')),
      [],
    );
  }),
);

test(
  'an abort at any step of a save leaves no temporary file',
  withRepo(async (b, root) => {
    let steps = 0;
    for (let k = 1; k < 20; k++) {
      const data = randomBytes(1000);
      const { signal, fired } = abortOnCheck(k);
      await b.save(dataHandle(data), data, { signal }).catch((err: unknown) => assert.ok(isAbort(err), String(err)));
      if (!fired()) break;
      steps++;
    }
    assert.ok(steps >= 2, `save checks its signal between steps (${steps} checks seen)`);
    assert.deepEqual(
      (await filesBelow(root)).filter((f) => f.includes('-tmp-')),
      [],
    );
  }),
);

test(
  'a file shortened on disk: ranges past its end are "truncated" errors naming the file',
  withRepo(async (b) => {
    const data = randomBytes(400_000);
    const h = dataHandle(data);
    await b.save(h, data);
    await chmod(b.path(h), 0o600);
    await truncate(b.path(h), 100_000);
    for (const [offset, length] of [
      [90_000, 20_000],
      [0, 400_000],
      [150_000, 0],
    ] as const) {
      await assert.rejects(b.load(h, offset, length), (err: unknown) => {
        assert.ok(err instanceof BackendError, String(err));
        assert.match(err.message, /truncated/);
        assert.ok(err.message.includes(b.path(h)), err.message);
        return true;
      });
    }
    assert.deepEqual(await b.load(h, 0, 0), data.subarray(0, 100_000));
  }),
);

test(
  'errors carry the errno cause: data/XX being a file is a permanent BackendError',
  withRepo(async (b, root) => {
    const h = handle('data', 'cd'.padEnd(64, '0'));
    await rm(join(root, 'data', 'cd'), { recursive: true });
    await writeFile(join(root, 'data', 'cd'), 'x');
    for (const op of [() => b.load(h), () => b.load(h, 0, 10), () => b.stat(h), () => b.remove(h)]) {
      await assert.rejects(op(), (err: unknown) => {
        assert.ok(err instanceof BackendError && !err.transient, String(err));
        assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOTDIR');
        return true;
      });
    }
  }),
);

test(
  'repositoryExists: true once a config is stored',
  withRepo(async (b, root) => {
    assert.equal(await repositoryExists(root), false);
    await b.save(handle('config'), Buffer.from('cfg'));
    assert.equal(await repositoryExists(root), true);
    await assert.rejects(b.create(), /already exists/);
  }),
);

async function collect(b: LocalBackend, type: 'data' | 'locks' | 'snapshots'): Promise<string[]> {
  const out: string[] = [];
  for await (const f of b.list(type)) out.push(f.name);
  return out.sort();
}

test(
  'small reads of a pack keep its descriptor: a pack moved away is still read, one removed through the backend is not, close lets go',
  withRepo(async (b) => {
    const bytes = randomBytes(5000);
    const h = dataHandle(bytes);
    await b.save(h, bytes);
    assert.ok((await b.load(h, 100, 50)).equals(bytes.subarray(100, 150)));
    const path = b.path(h);
    await rename(path, `${path}.moved`);
    // the kept descriptor still reads the same (immutable) pack; without it this is NotFoundError
    assert.ok((await b.load(h, 200, 10)).equals(bytes.subarray(200, 210)));
    await rename(`${path}.moved`, path);
    await b.remove(h);
    await assert.rejects(b.load(h, 100, 50), NotFoundError);
    await b.close();
  }),
);

/** An anonymous file (O_TMPFILE, as the backup's lanes make them) in `dir` holding `data`. */
function anonymousFile(dir: string, data: Uint8Array): number {
  const fd = openTmpfile(dir);
  writeSync(fd, data);
  return fd;
}

test(
  'saveFrom: a pack built in an anonymous file in packFileDir is linked into place, not copied; the same bytes again succeed, other bytes are refused',
  withRepo(async (b, root) => {
    assert.equal(b.packFileDir, join(root, 'data'));
    const data = randomBytes(300_000);
    const h = dataHandle(data);
    const fd = anonymousFile(b.packFileDir, data);
    const again = anonymousFile(b.packFileDir, data);
    const other = anonymousFile(b.packFileDir, randomBytes(300_000));
    try {
      await b.saveFrom(h, { fd, length: data.length });
      const st = await stat(b.path(h));
      assert.equal(st.ino, fstatSync(fd).ino, 'the anonymous file itself got the name');
      assert.equal(st.mode & 0o777, 0o400);
      assert.ok((await b.load(h)).equals(data));
      await b.saveFrom(h, { fd: again, length: data.length });
      assert.equal(fstatSync(again).nlink, 0, 'an identical second copy is not linked');
      await assert.rejects(b.saveFrom(h, { fd: other, length: data.length }), BackendError);
      assert.equal((await stat(b.path(h))).ino, st.ino);
      assert.deepEqual(await filesBelow(join(root, 'data')), [join(h.name.slice(0, 2), h.name)]);
    } finally {
      for (const f of [fd, again, other]) closeSync(f);
    }
  }),
);

test(
  'saveFrom: a source that cannot be linked (a file with a name, a length short of the file) is copied',
  withRepo(async (b, root) => {
    const data = randomBytes(70_000);
    const named = join(root, 'named-source');
    await writeFile(named, data);
    const fd = openSync(named, 'r');
    const longer = anonymousFile(b.packFileDir, Buffer.concat([data, Buffer.from('tail')]));
    try {
      const h = dataHandle(data);
      await b.saveFrom(h, { fd, length: data.length });
      assert.notEqual((await stat(b.path(h))).ino, fstatSync(fd).ino);
      assert.ok((await b.load(h)).equals(data));
      await b.remove(h);
      await b.saveFrom(h, { fd: longer, length: data.length });
      assert.ok((await b.load(h)).equals(data));
      assert.equal(fstatSync(longer).nlink, 0);
    } finally {
      closeSync(fd);
      closeSync(longer);
    }
  }),
);

test(
  'saveFrom with dropCache: the stored pack leaves the page cache, linked or copied; without it, it stays cached',
  withRepo(async (b, root, t) => {
    if (onTmpfs(root)) return t.skip('the repository is on tmpfs');
    const sources: Record<string, Buffer> = { linked: randomBytes(2 << 20), copied: randomBytes(2 << 20), kept: randomBytes(2 << 20) };
    const named = join(root, 'named-source');
    await writeFile(named, sources.copied!);
    const fds = { linked: anonymousFile(b.packFileDir, sources.linked!), copied: openSync(named, 'r'), kept: anonymousFile(b.packFileDir, sources.kept!) };
    try {
      for (const [name, fd] of Object.entries(fds)) await b.saveFrom(dataHandle(sources[name]!), { fd, length: 2 << 20, dropCache: name !== 'kept' });
      assert.ok(cachedBytes(b.path(dataHandle(sources.linked!))) < 256 << 10, 'the linked pack is not cached');
      assert.ok(cachedBytes(b.path(dataHandle(sources.copied!))) < 256 << 10, 'the copy is not cached');
      assert.ok(cachedBytes(b.path(dataHandle(sources.kept!))) >= 1 << 20, 'a pack saved without dropCache stays cached');
      for (const data of Object.values(sources)) assert.ok((await b.load(dataHandle(data))).equals(data), 'read back from the disk whole');
    } finally {
      for (const fd of Object.values(fds)) closeSync(fd);
    }
  }),
);
