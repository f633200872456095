import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Id, LifeboatError } from '../../core/index.js';
import { type LaneReport, createLane, laneAnswer, laneClose, laneFeed, laneFinish, lanePackDone } from '../../native/index.js';
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

/** A lane's reports as they arrive, and a wait for the next one. */
function reportQueue(): { onReport: (r: LaneReport) => void; next: (ms?: number) => Promise<LaneReport | undefined> } {
  const reports: LaneReport[] = [];
  let wake: (() => void) | undefined;
  return {
    onReport: (r) => {
      reports.push(r);
      wake?.();
    },
    next: async (ms = 5000) => {
      if (reports.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      return reports.shift();
    },
  };
}

test('a lane reads ahead while two generations wait for their answer, numbers files across batches, and refuses misuse', async () => {
  const key = { encrypt: new Uint8Array(32), macK: new Uint8Array(16), macR: new Uint8Array(16) };
  const q = reportQueue();
  const lane = createLane({ key, polynomial: parsePolynomial(TEST_POLYNOMIAL), level: 3, tmpdir: tmpdir(), packTarget: 1 << 20, packLimit: 64 << 20, packsInFlight: 2 }, q.onReport);
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-lane-'));
  const paths = (names: string[]): Buffer => Buffer.from(names.map((n) => `${join(dir, n)}\0`).join(''));
  try {
    // 2.5 MiB files of random bytes: each fills a generation (2 MiB) on its own
    const names = ['a', 'b', 'c', 'd'];
    for (const name of names) writeFileSync(join(dir, name), randomBytes(2.5 * 1024 * 1024));
    assert.throws(() => laneAnswer(lane, new Uint8Array(1)), /one decision per chunk of the oldest unanswered generation/);
    assert.throws(() => laneFeed(lane, Buffer.from('no-nul'), new Float64Array(1)), /NUL-terminated/);
    laneFeed(lane, paths(names.slice(0, 2)), Float64Array.of(2.5 * 1024 * 1024, 2.5 * 1024 * 1024));
    laneFeed(lane, paths(names.slice(2)), Float64Array.of(2.5 * 1024 * 1024, 2.5 * 1024 * 1024));
    // two generations come unanswered; the third waits for the first answer
    const generations: LaneReport[] = [];
    while (generations.length < 2) {
      const r = await q.next();
      assert.ok(r, 'two generations reported before any answer');
      generations.push(r);
    }
    assert.ok(generations.every((g) => g.chunkFiles.length > 0));
    assert.deepEqual(
      [...generations[0]!.chunkFiles].every((f) => f === 0),
      true,
    );
    assert.equal(await q.next(300), undefined, 'nothing more until an answer');
    assert.throws(() => laneAnswer(lane, new Uint8Array(generations[0]!.chunkFiles.length + 1)), /one decision per chunk/);
    const files = new Map<number, number>();
    const seen = new Set<number>();
    let packs = 0;
    let finished = false;
    const take = (r: LaneReport): void => {
      assert.equal(r.error, undefined);
      for (const f of r.chunkFiles) seen.add(f);
      for (const f of r.files) files.set(f.file, f.size);
      for (const p of r.packs) {
        assert.equal(fstatSync(p.fd).size, p.length);
        closeSync(p.fd);
        packs++;
        lanePackDone(lane);
      }
      finished ||= r.finished;
    };
    for (const g of generations) take(g);
    laneAnswer(lane, new Uint8Array(generations[0]!.chunkFiles.length).fill(1));
    laneAnswer(lane, new Uint8Array(generations[1]!.chunkFiles.length).fill(1));
    laneFinish(lane);
    while (!finished) {
      const r = await q.next();
      assert.ok(r, 'the lane reports until it is finished');
      take(r);
      if (r.chunkFiles.length > 0) laneAnswer(lane, new Uint8Array(r.chunkFiles.length).fill(1));
    }
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3], 'files numbered across batches');
    assert.deepEqual(
      [...files.entries()].sort((a, b) => a[0] - b[0]),
      names.map((_, i) => [i, 2.5 * 1024 * 1024]),
    );
    assert.ok(packs >= 1, 'the stored chunks are in packs');
  } finally {
    laneClose(lane);
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => laneFeed(lane, paths(['a']), Float64Array.of(1)), /the lane is closed/);
  laneClose(lane);
});
