/**
 * check --read-data's pack pipeline: the native path (packs verified in place on the thread pool)
 * and the worker-thread path report exactly what verifyPack reports on the whole pack, sound or
 * damaged, and every selected pack is read once.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { handle } from '../../backend/index.js';
import type { Id } from '../../core/index.js';
import { type CompactPack, type Repository, RepositoryWriter, compactPack, expandPack } from '../../repository/index.js';
import type { IndexBlobEntry } from '../../repository/model/index.js';
import { setNativeCrypto } from '../../repository/crypto/index.js';
import { type PackProblem, newBlobScratch, parsePackTail, verifyPack, verifyPackInPieces } from '../../repository/pack/index.js';
import { makeTestRepository } from '../../repository/testing/test-repository.js';
import { type PackSource, type PackToRead, readAndVerifyPacks } from './read-data.js';

/** A pack to read with its index entries at hand (PackToRead builds them when the pack is read). */
interface TestPack {
  id: Id;
  size: number;
  blobs: CompactPack;
}

/** Every pack the repository's index lists, with its size in the backend. */
async function indexedPacks(repo: Repository): Promise<TestPack[]> {
  const packs: TestPack[] = [];
  for await (const f of repo.backend.list('index')) {
    for (const p of await repo.loadIndexFile(f.name as Id)) packs.push({ id: p.id, size: (await repo.backend.stat(handle('data', p.id))).size, blobs: compactPack(p) });
  }
  return packs;
}

/** A repository with a few packs of data blobs, compressible and not, and a tree. */
async function repositoryWithPacks(): Promise<{ repo: Repository; packs: TestPack[] }> {
  const repo = await makeTestRepository();
  const w = new RepositoryWriter(repo);
  for (let i = 0; i < 12; i++) {
    await w.saveDataBlob(i % 2 ? randomBytes(300_000 + i * 1000) : Buffer.alloc(400_000 + i * 1000, i));
  }
  await w.saveTree(Buffer.from('{"nodes":[]}\n'));
  await w.flush();
  return { repo, packs: await indexedPacks(repo) };
}

async function replacePack(repo: Repository, packId: Id, change: (bytes: Buffer) => void): Promise<void> {
  const h = handle('data', packId);
  const bytes = await repo.backend.load(h, 0, 0);
  change(bytes);
  await repo.backend.remove(h);
  await repo.backend.save(h, bytes);
}

/** What verifyPack finds in each pack, read whole: the reference both paths must match. */
async function expected(repo: Repository, packs: TestPack[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of packs) {
    const bytes = await repo.backend.load(handle('data', p.id), 0, 0);
    for (const problem of verifyPack(repo.key, repo.version, p.id, bytes, p.blobs, newBlobScratch())) out.push(line(p.id, problem));
  }
  return out.sort();
}

function line(packId: Id, p: PackProblem | { kind: string; message: string; blob?: Id }): string {
  return `${packId} ${p.kind} ${p.blob ?? '-'} ${p.message}`;
}

/**
 * The paths: native in pieces of the default size, native in small pieces (a blob or two each),
 * native from local files (the packs copied into files, as a local repository has them; `truncate`:
 * each file loses its last bytes, so that the native read fails and the backend's is used), worker threads.
 */
const PATHS: { name: string; native: boolean; pieceBytes?: number; files?: boolean; truncate?: boolean }[] = [
  { name: 'native', native: true },
  { name: 'native in small pieces', native: true, pieceBytes: 64 * 1024 },
  { name: 'native from local files', native: true, files: true },
  { name: 'native from local files in small pieces', native: true, files: true, pieceBytes: 64 * 1024 },
  { name: 'workers', native: false },
];

/** The packs the backend still has, copied into files of a new directory (`truncate`: less their last byte). */
async function packFiles(repo: Repository, packs: TestPack[], truncate = false): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-read-data-'));
  for (const p of packs) {
    const bytes = await repo.backend.load(handle('data', p.id), 0, 0).catch(() => undefined);
    if (bytes) await writeFile(join(dir, p.id), truncate ? bytes.subarray(0, bytes.length - 1) : bytes);
  }
  return dir;
}

/** Problems found on `path`, packs done, and bytes read by range (pieces) and whole. */
async function found(repo: Repository, packs: TestPack[], path: (typeof PATHS)[number]): Promise<{ problems: string[]; done: number; pieceBytes: number; wholeReads: number }> {
  const previous = setNativeCrypto(path.native);
  const dir = path.files ? await packFiles(repo, packs, path.truncate) : undefined;
  try {
    const problems: string[] = [];
    let done = 0;
    let pieceBytes = 0;
    let wholeReads = 0;
    const source: PackSource = {
      key: repo.key,
      version: repo.version,
      loadPackRange: (id, offset, length, signal) => {
        wholeReads++;
        return repo.loadPackRange(id, offset, length, signal);
      },
      loadPackRangeInto: (id, offset, target, signal) => {
        pieceBytes += target.length;
        return repo.loadPackRangeInto(id, offset, target, signal);
      },
      packFilePath: dir === undefined ? undefined : (id) => join(dir, id),
    };
    const toRead: PackToRead[] = packs.map((p) => ({ ...p, blobs: () => p.blobs }));
    await readAndVerifyPacks(source, toRead, { onProblem: (id, p) => problems.push(line(id, p)), onPackDone: () => done++ }, undefined, path.pieceBytes);
    return { problems: problems.sort(), done, pieceBytes, wholeReads };
  } finally {
    setNativeCrypto(previous);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/** An index entry changed in place: the pack itself stays sound. */
function withEntry(c: CompactPack, change: (c: CompactPack) => void): CompactPack {
  const copy: CompactPack = { ...c, types: c.types.slice(), offsets: c.offsets.slice(), lengths: c.lengths.slice(), uncompressedLengths: c.uncompressedLengths.slice() };
  change(copy);
  return copy;
}

test('sound packs: nothing to report on either path, every pack read once', async () => {
  const { repo, packs } = await repositoryWithPacks();
  assert.ok(packs.length >= 1);
  for (const path of PATHS) {
    const r = await found(repo, packs, path);
    assert.deepEqual(r.problems, [], path.name);
    assert.equal(r.done, packs.length);
    if (path.native) {
      // each pack read once, in pieces (by the addon itself from a local file), never whole again
      assert.equal(r.pieceBytes, path.files ? 0 : packs.reduce((a, p) => a + p.size, 0), path.name);
      assert.equal(r.wholeReads, 0, path.name);
    }
  }
});

test('damaged packs and wrong index entries are reported as verifyPack reports them, on both paths', async () => {
  const { repo, packs } = await repositoryWithPacks();
  const data = packs.find((p) => p.blobs.count > 2)!;
  // a flipped byte inside the second blob: the pack's hash and that blob fail
  await replacePack(repo, data.id, (b) => {
    b[data.blobs.offsets[1]! + 40]! ^= 1;
  });
  // an index entry whose plaintext length is wrong: the header disagrees and the blob fails
  const wrongLength = withEntry(data.blobs, (c) => (c.uncompressedLengths[0] = c.uncompressedLengths[0]! + 1));
  // two entries for the same bytes: overlapping entries are never verified in pieces
  const overlapping = withEntry(data.blobs, (c) => {
    c.offsets[2] = c.offsets[1]!;
    c.lengths[2] = c.lengths[1]!;
  });
  const cases: TestPack[] = [data, { ...data, blobs: wrongLength }, { ...data, blobs: overlapping }];
  const want = await expected(repo, cases);
  assert.ok(want.some((l) => l.includes('pack-hash-mismatch')));
  assert.ok(want.some((l) => l.includes('blob-corrupt')));
  assert.ok(want.some((l) => l.includes('pack-header-mismatch')));
  for (const path of PATHS) assert.deepEqual((await found(repo, cases, path)).problems, want, path.name);
});

test('blobs larger than their zstd window: hashed a step at a time on the native paths, sound, or a wrong length or ID found as verifyPack finds it', async () => {
  const repo = await makeTestRepository();
  const w = new RepositoryWriter(repo);
  // 3 MiB that compress (zstd's window at the repository's level is 1 MiB), and a small blob
  const line = (i: number): string => `${i.toString(36)} ${randomBytes(24).toString('base64')} lorem ipsum dolor sit amet\n`;
  const big = Buffer.from(
    Array.from({ length: 50_000 }, (_, i) => line(i))
      .join('')
      .slice(0, 3 * 1024 * 1024),
  );
  await w.saveDataBlob(big);
  await w.saveDataBlob(Buffer.alloc(100_000, 7));
  await w.flush();
  const data = (await indexedPacks(repo))[0]!;
  // an uncompressed length in the index: the blob is stored compressed
  const k = data.blobs.uncompressedLengths.findIndex((n) => n === big.length);
  assert.ok(k >= 0, 'the large blob is stored compressed');

  // the addon decompresses it into the first 256 KiB of the lane's plaintext buffer only
  const plain = Buffer.alloc(4 * 1024 * 1024, 0xaa);
  const r = await verifyPackInPieces(repo.key, repo.version, data.id, data.size, data.blobs, { piece: Buffer.alloc(0), plain }, (offset, target) => repo.loadPackRangeInto(data.id, offset, target));
  assert.equal(r.sound, true);
  assert.ok(
    plain.subarray(256 * 1024).every((b) => b === 0xaa),
    'the plaintext buffer was written past the step',
  );

  // sound on every path, and never read whole again (the native paths found it sound themselves)
  for (const path of PATHS) {
    const got = await found(repo, [data], path);
    assert.deepEqual(got.problems, [], path.name);
    if (path.native) assert.equal(got.wholeReads, 0, path.name);
  }
  const wrongLength = (by: number): CompactPack => withEntry(data.blobs, (c) => (c.uncompressedLengths[k] = c.uncompressedLengths[k]! + by));
  const wrongId = { ...data.blobs, ids: Buffer.from(data.blobs.ids) };
  wrongId.ids[k * 32 + 5]! ^= 1;
  for (const blobs of [wrongLength(-1), wrongLength(1), wrongId]) {
    const cases = [{ ...data, blobs }];
    const want = await expected(repo, cases);
    assert.ok(want.some((l) => l.includes('blob-corrupt')));
    for (const path of PATHS) assert.deepEqual((await found(repo, cases, path)).problems, want, path.name);
  }
});

test('a sound pack whose index entry disagrees with its header only in the header is reported alone', async () => {
  const { repo, packs } = await repositoryWithPacks();
  const data = packs.find((p) => p.blobs.count > 2)!;
  // the index says "tree" for a data blob: the blob still verifies, the header disagrees
  const retyped = withEntry(data.blobs, (c) => (c.types[0] = 1));
  const cases: TestPack[] = [{ ...data, blobs: retyped }];
  const want = await expected(repo, cases);
  assert.equal(want.length, 1);
  assert.match(want[0]!, /pack-header-mismatch/);
  for (const path of PATHS) assert.deepEqual((await found(repo, cases, path)).problems, want, path.name);
});

test('each index entry is held against the header field by field, in any order, listed twice or not in the header at all', async () => {
  const { repo, packs } = await repositoryWithPacks();
  const data = packs.find((p) => p.blobs.count > 3)!;
  const entries = expandPack(data.blobs).blobs;
  const otherId = (id: Id): Id => `${id.slice(0, 63)}${id.endsWith('0') ? '1' : '0'}` as Id;
  // backwards, one listed twice, and each field wrong in one entry (a wrong length or an offset
  // between blobs also makes the entries overlap: those packs are then verified whole)
  const variants: IndexBlobEntry[][] = [
    [...entries].reverse(),
    [...entries, entries[1]!],
    entries.map((b, i) => (i === 1 ? { ...b, id: otherId(b.id) } : b)),
    entries.map((b, i) => (i === 2 ? { ...b, type: 'tree' as const } : b)),
    entries.map((b, i) => (i === 0 ? { ...b, uncompressedLength: b.uncompressedLength + 1 } : b)),
    entries.map((b, i) => (i === 3 ? { ...b, length: b.length - 1 } : b)),
    [...entries, { ...entries[0]!, offset: entries.at(-1)!.offset + entries.at(-1)!.length }],
  ];
  const bytes = await repo.backend.load(handle('data', data.id), 0, 0);
  const header = new Set(parsePackTail(repo.key, repo.version, data.id, bytes, bytes.length).map((b) => JSON.stringify([b.type, b.id, b.offset, b.length, b.uncompressedLength])));
  const cases: TestPack[] = variants.map((blobs) => ({ ...data, blobs: compactPack({ id: data.id, blobs }) }));
  for (const [k, c] of cases.entries()) {
    // the reference: an entry matches when the header lists exactly its five fields
    const outside = variants[k]!.filter((b) => !header.has(JSON.stringify([b.type, b.id, b.offset, b.length, b.uncompressedLength]))).map((b) => b.id);
    const reported = verifyPack(repo.key, repo.version, data.id, bytes, c.blobs, newBlobScratch()).filter((p) => p.kind === 'pack-header-mismatch');
    assert.deepEqual(
      reported.map((p) => p.blob),
      outside,
      `variant ${k}`,
    );
    assert.equal(outside.length, k < 2 ? 0 : 1, `variant ${k}`);
  }
  const want = await expected(repo, cases);
  for (const path of PATHS) assert.deepEqual((await found(repo, cases, path)).problems, want, path.name);
});

test('a damaged header is reported as verifyPack reports it, on every path', async () => {
  const { repo, packs } = await repositoryWithPacks();
  const data = packs.find((p) => p.blobs.count > 2)!;
  await replacePack(repo, data.id, (b) => {
    b[b.length - 10]! ^= 1;
  });
  const want = await expected(repo, [data]);
  assert.ok(want.some((l) => l.includes('header unreadable')));
  for (const path of PATHS) assert.deepEqual((await found(repo, [data], path)).problems, want, path.name);
});

test('a pack that cannot be read is named, and the others are still verified', async () => {
  const { repo, packs } = await repositoryWithPacks();
  await repo.backend.remove(handle('data', packs[0]!.id));
  for (const path of PATHS) {
    const r = await found(repo, packs, path);
    assert.equal(r.problems.length, 1, path.name);
    assert.match(r.problems[0]!, new RegExp(`^${packs[0]!.id} pack-unreadable - pack ${packs[0]!.id} cannot be read`));
    assert.equal(r.done, packs.length - 1);
  }
});

test('a local file that cannot be read whole is read again through the backend', async () => {
  const { repo, packs } = await repositoryWithPacks();
  const r = await found(repo, packs, { name: 'truncated local files', native: true, files: true, truncate: true });
  assert.deepEqual(r.problems, []);
  assert.equal(r.done, packs.length);
  assert.equal(r.wholeReads, 0);
  assert.equal(
    r.pieceBytes,
    packs.reduce((a, p) => a + p.size, 0),
  );
});

test('blobs larger than a step of a local file: opened and hashed a step at a time, damage anywhere in them found as verifyPack finds it', async () => {
  const MiB = 1024 * 1024;
  for (const version of [1, 2] as const) {
    const repo = await makeTestRepository({ version });
    const w = new RepositoryWriter(repo);
    // version 1 stores it uncompressed: 2 MiB + 8 sealed, so its tag lies across the second step's end
    const big = version === 1 ? randomBytes(2 * MiB - 24) : Buffer.from(Array.from({ length: 60_000 }, (_, i) => `${i} ${randomBytes(30).toString('base64')}\n`).join(''));
    await w.saveDataBlob(Buffer.alloc(50_000, 3));
    await w.saveDataBlob(big);
    await w.saveDataBlob(Buffer.alloc(70_000, 4));
    await w.flush();
    const data = (await indexedPacks(repo))[0]!;
    const k = data.blobs.lengths.findIndex((n) => n > 1.5 * MiB);
    assert.ok(k >= 0, `version ${version}: the large blob is in the pack`);
    const [offset, length] = [data.blobs.offsets[k]!, data.blobs.lengths[k]!];
    if (version === 1) assert.equal(length, 2 * MiB + 8);

    // the addon touches one step of the lane's piece buffer and one of its plaintext buffer
    const dir = await packFiles(repo, [data]);
    try {
      const buffers = { piece: Buffer.alloc(10 * MiB, 0xaa), plain: Buffer.alloc(4 * MiB, 0xaa) };
      const unread = async (): Promise<void> => assert.fail('read through the backend');
      const r = await verifyPackInPieces(repo.key, repo.version, data.id, data.size, data.blobs, buffers, unread, undefined, join(dir, data.id));
      assert.equal(r.sound, true, `version ${version}`);
      assert.ok(
        buffers.piece.subarray(MiB).every((b) => b === 0xaa),
        'the piece buffer was written past a step',
      );
      assert.ok(
        buffers.plain.subarray(256 * 1024).every((b) => b === 0xaa),
        'the plaintext buffer was written past a step',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // a flipped byte in its IV, its first and second steps, its last ciphertext bytes and its tag, in
    // a pack named by its new hash (as if written so): only the blob's own checks can find it
    const original = await repo.backend.load(handle('data', data.id), 0, 0);
    for (const at of [3, 100, MiB + 7, length - 20, length - 9, length - 1]) {
      const bytes = Buffer.from(original);
      bytes[offset + at]! ^= 1;
      const damaged = { ...data, id: createHash('sha256').update(bytes).digest('hex') as Id };
      await repo.backend.save(handle('data', damaged.id), bytes);
      const want = await expected(repo, [damaged]);
      assert.deepEqual(
        want.map((l) => l.split(' ')[1]),
        ['blob-corrupt'],
        `version ${version}, byte ${at}`,
      );
      for (const path of PATHS.filter((p) => p.files)) assert.deepEqual((await found(repo, [damaged], path)).problems, want, `${path.name}, byte ${at}`);
      await repo.backend.remove(handle('data', damaged.id));
    }
  }
});
