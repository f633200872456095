import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Id, LifeboatError } from '../../core/index.js';
import { createLane, laneClose, laneStep } from '../../native/index.js';
import { sha256Counter } from '../../repository/chunker/testing/inputs.js';
import { parsePolynomial } from '../../repository/chunker/index.js';
import type { Repository } from '../../repository/repository.js';
import { TEST_POLYNOMIAL, makeTestRepository } from '../../repository/testing/test-repository.js';
import { RepositoryWriter } from '../../repository/writer.js';
import { cachedBytes, onTmpfs } from '../../../test/helpers/page-cache.js';
import { type FileResult, FileLanes } from './file-lanes.js';

const idsOf = (r: FileResult): Id[] => (Buffer.from(r.content).toString('hex').match(/.{64}/g) ?? []) as Id[];

async function contentOf(repo: Repository, r: FileResult): Promise<Buffer> {
  return Buffer.concat(await Promise.all(idsOf(r).map((id) => repo.loadBlob('data', id))));
}

for (const version of [1, 2] as const) {
  describe(`file lanes (repository v${version})`, () => {
    let dir: string;
    let repo: Repository;
    const files: Record<string, Buffer> = {
      'small.txt': Buffer.from('hello lanes\n'.repeat(100)),
      empty: Buffer.alloc(0),
      // several content-defined chunks and one MaxSize chunk of a repeated byte
      'large.bin': Buffer.concat([sha256Counter(5 * 1024 * 1024), Buffer.alloc(9 * 1024 * 1024, 7)]),
    };

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lifeboat-lanes-'));
      for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
      writeFileSync(join(dir, 'copy.txt'), files['small.txt']!);
      mkdirSync(join(dir, 'a-directory'));
      repo = await makeTestRepository({ version });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('store every file once, report errors per file, and leave packs the repository reads back', async () => {
      const writer = new RepositoryWriter(repo);
      const lanes = new FileLanes(writer, { key: repo.key, polynomial: TEST_POLYNOMIAL, level: writer.level, packsInFlight: 1 }, 2);
      const read = (name: string, size = files[name]?.length ?? 0): Promise<FileResult> => lanes.readFile(Buffer.from(join(dir, name)), size);
      const [small, empty, large, copy, missing, directory, wrongSize] = await Promise.all([
        read('small.txt'),
        read('empty'),
        read('large.bin'),
        read('copy.txt', files['small.txt']!.length),
        read('missing'),
        read('a-directory'),
        read('small.txt', 3),
      ]);
      await lanes.close();
      await writer.flush();
      await repo.loadIndex();

      assert.equal(small.error, undefined);
      assert.deepEqual(await contentOf(repo, small), files['small.txt']);
      assert.deepEqual(idsOf(copy), idsOf(small), 'the same content, the same blob');
      assert.deepEqual(idsOf(empty), []);
      assert.equal(empty.size, 0);
      assert.equal(large.size, files['large.bin']!.length);
      assert.ok(idsOf(large).length >= 3, `${idsOf(large).length} chunks`);
      assert.deepEqual(
        createHash('sha256')
          .update(await contentOf(repo, large))
          .digest(),
        createHash('sha256').update(files['large.bin']!).digest(),
      );
      assert.equal(small.changed, false);
      assert.equal(wrongSize.changed, true, 'the size differs from the one the walk saw');

      assert.equal(missing.error?.code, 'ENOENT');
      assert.equal(missing.error?.message, `ENOENT: no such file or directory, open '${join(dir, 'missing')}'`);
      assert.equal(directory.error?.code, 'EISDIR');
      assert.match(directory.error.message, /^EISDIR: illegal operation on a directory, read '/);
      assert.equal(writer.stats.dataBlobs, new Set([...idsOf(small), ...idsOf(large)]).size, 'each blob stored once');
    });

    test('packs built in a local repository are linked into place whole, leave the page cache, and read back from the disk', async () => {
      const root = mkdtempSync(join(tmpdir(), 'lifeboat-lanes-local-'));
      try {
        const local = await makeTestRepository({ version, dir: join(root, 'repo') });
        const writer = new RepositoryWriter(local);
        assert.ok(writer.packFileDir, 'the lanes build packs where the repository links them');
        // incompressible, around the page and the 1 MiB read sizes
        const sizes = [1, 4095, 4097, (1 << 20) - 3, 1 << 20, (1 << 20) + 5, 2 << 20, 3 * (1 << 20) + 12_345];
        for (const [i, size] of sizes.entries()) writeFileSync(join(dir, `sized-${i}`), randomBytes(size));
        const lanes = new FileLanes(writer, { key: local.key, polynomial: TEST_POLYNOMIAL, level: writer.level, packsInFlight: 1 }, 2);
        const results = await Promise.all([
          ...sizes.map((size, i) => lanes.readFile(Buffer.from(join(dir, `sized-${i}`)), size)),
          lanes.readFile(Buffer.from(join(dir, 'large.bin')), files['large.bin']!.length),
        ]);
        await lanes.close();
        await writer.flush();
        const packs = readdirSync(join(root, 'repo', 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
        assert.ok(packs.length >= 1);
        // data packs leave the page cache once stored (FileSource.dropCache): nothing reads them soon
        if (!onTmpfs(root)) for (const e of packs) assert.ok(cachedBytes(join(e.parentPath, e.name)) < 64 << 10, `pack ${e.name} is not cached`);
        await local.loadIndex();
        for (const [i, r] of results.entries()) {
          const name = i < sizes.length ? `sized-${i}` : 'large.bin';
          assert.equal(r.error, undefined, name);
          assert.ok((await contentOf(local, r)).equals(readFileSync(join(dir, name))), `${name} reads back whole`);
        }
        for (const e of packs) {
          const bytes = readFileSync(join(e.parentPath, e.name));
          assert.equal(createHash('sha256').update(bytes).digest('hex'), e.name, 'a pack is named by its SHA-256');
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    test('after a failure the pool rejects new files and close reports it', async () => {
      const writer = new RepositoryWriter(repo);
      // a temporary directory that does not exist: the lane cannot create its pack file
      const saved = process.env.TMPDIR;
      process.env.TMPDIR = join(dir, 'no-such-dir');
      const broken = new FileLanes(writer, { key: repo.key, polynomial: TEST_POLYNOMIAL, level: writer.level, packsInFlight: 1 }, 1);
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      // content no earlier test stored, so the lane must write a pack
      writeFileSync(join(dir, 'fresh.bin'), randomBytes(100_000));
      const r = await broken.readFile(Buffer.from(join(dir, 'fresh.bin')), 100_000);
      await assert.rejects(
        broken.close(),
        (err: LifeboatError) => err.code === 'E_IO' && /ENOENT: no such file or directory, open \(temporary pack file in .*no-such-dir\)/.test(err.message) && /TMPDIR/.test(err.hint ?? ''),
      );
      // the file was read; storing its blob is what failed, and that fails the whole backup
      assert.equal(r.size, 100_000);
      await assert.rejects(broken.readFile(Buffer.from(join(dir, 'small.txt')), 1), /temporary pack file/);
    });
  });
}

// /proc files list a size of 0 and read a page at a time: a short read is their end only once it
// brings the file to the size it had when opened (lane.c)
test('file lanes: a file that reads a page at a time and lists no size is read to its end', { skip: existsSync('/proc/kallsyms') ? false : 'no /proc/kallsyms here' }, async () => {
  const repo = await makeTestRepository();
  const writer = new RepositoryWriter(repo);
  const lanes = new FileLanes(writer, { key: repo.key, polynomial: TEST_POLYNOMIAL, level: writer.level, packsInFlight: 1 }, 1);
  const r = await lanes.readFile(Buffer.from('/proc/kallsyms'), 0);
  await lanes.close();
  await writer.flush();
  await repo.loadIndex();
  const expected = readFileSync('/proc/kallsyms');
  assert.ok(expected.length > 64 * 1024, `${expected.length} bytes: many pages`);
  assert.equal(r.error, undefined);
  assert.equal(r.size, expected.length);
  assert.ok((await contentOf(repo, r)).equals(expected), 'read to its end');
  assert.equal(r.changed, true, 'its size is not the one listed');
});

test('laneStep refuses misuse: answers that do not match, a batch while one runs, a closed lane', async () => {
  const key = { encrypt: new Uint8Array(32), macK: new Uint8Array(16), macR: new Uint8Array(16) };
  const lane = createLane({ key, polynomial: parsePolynomial(TEST_POLYNOMIAL), level: 3, tmpdir: tmpdir(), packTarget: 1 << 20, packLimit: 2 << 20 });
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-lane-'));
  try {
    writeFileSync(join(dir, 'f'), sha256Counter(4096));
    assert.throws(() => laneStep(lane, new Uint8Array(1), null, null, false), /one decision per chunk/);
    assert.throws(() => laneStep(lane, null, Buffer.from('no-nul'), new Float64Array(1), false), /NUL-terminated/);
    const r = await laneStep(lane, null, Buffer.from(`${join(dir, 'f')}\0`), Float64Array.of(4096), false);
    assert.equal(r.chunkFiles.length, 1);
    assert.equal(r.batchDone, true);
    assert.deepEqual(
      r.files.map((f) => [f.file, f.size, f.changed]),
      [[0, 4096, false]],
    );
    assert.throws(() => laneStep(lane, null, null, null, false), /one decision per chunk/);
    const done = await laneStep(lane, Uint8Array.of(1), null, null, true);
    assert.equal(done.packs.length, 1);
    assert.equal(done.packs[0]!.blobCount, 1);
    const { closeSync, fstatSync } = await import('node:fs');
    assert.equal(fstatSync(done.packs[0]!.fd).size, done.packs[0]!.length);
    closeSync(done.packs[0]!.fd);
  } finally {
    laneClose(lane);
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => laneStep(lane, null, null, null, false), /the lane is closed/);
});
