/**
 * The pack format has two writers: the native file lane (native/lane.c, data blobs of files)
 * and the TypeScript PackFileWriter (trees, stdin, prune's repacking). Given the same blobs and
 * the same IVs, both must write the same bytes; restic must accept what they write; and the
 * C header that mirrors the format's sizes must agree with the TypeScript definitions.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openBackend } from '../../src/backend/location/index.js';
import type { Id } from '../../src/core/index.js';
import { CIPHERTEXT_OVERHEAD, IV_LENGTH } from '../../src/repository/crypto/index.js';
import { Repository } from '../../src/repository/index.js';
import { ENTRY_ID_SIZE, ENTRY_SIZE_COMPRESSED, ENTRY_SIZE_PLAIN, PACK_HEADER_OVERHEAD, type PackFile, PackFileWriter, blobCompressionLevel } from '../../src/repository/pack/index.js';
import { projectRoot } from '../helpers/paths.js';
import { TEST_PASSWORD, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let work: string;

before(async () => {
  work = await makeTempDir('lifeboat-pack-writers-');
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

test('native/format.h mirrors the TypeScript definitions of the format sizes', () => {
  const text = readFileSync(join(projectRoot, 'native', 'format.h'), 'utf8');
  const defined = new Map<string, string>();
  for (const m of text.matchAll(/^#define\s+(\w+)\s+(.*?)\s*$/gm)) if (m[1] !== 'LIFEBOAT_FORMAT_H') defined.set(m[1]!, m[2]!);
  const typescript: Record<string, number> = { IV_LENGTH, CIPHERTEXT_OVERHEAD, ENTRY_ID_SIZE, ENTRY_SIZE_PLAIN, ENTRY_SIZE_COMPRESSED, PACK_HEADER_OVERHEAD };
  // every constant of the header has its TypeScript twin, and the same value
  assert.deepEqual([...defined.keys()].sort(), Object.keys(typescript).sort());
  for (const [name, value] of defined) assert.equal(Number(value), typescript[name], `${name} in native/format.h`);
});

/** Bytes of a pack finished by a PackFileWriter (closes its descriptor). */
function readPack(pack: PackFile): Buffer {
  const out = Buffer.alloc(pack.length);
  try {
    for (let done = 0; done < pack.length;) {
      const n = readSync(pack.fd, out, done, pack.length - done, done);
      assert.ok(n > 0, 'pack file ended early');
      done += n;
    }
  } finally {
    closeSync(pack.fd);
  }
  return out;
}

test('the file lane and PackFileWriter write identical packs for the same blobs and IVs; restic check --read-data accepts them', async () => {
  const src = join(work, 'src');
  const repoPath = join(work, 'repo');
  await lifeboatOk(repoPath, ['init']);
  mkdirSync(src);
  // incompressible (stored uncompressed) and large enough for more than one pack, compressible
  // (stored compressed), small files of one blob each, and an empty file (no blob)
  writeFileSync(join(src, 'random.bin'), randomBytes(20 * 1024 * 1024));
  writeFileSync(join(src, 'text.txt'), Buffer.from('a line of text that compresses well, number 0000\n'.repeat(60_000)));
  for (let i = 0; i < 20; i++) writeFileSync(join(src, `small-${i}.txt`), `small file ${i}\n`.repeat(i + 1));
  writeFileSync(join(src, 'empty'), '');
  await lifeboatOk(repoPath, ['backup', src]);

  const backend = await openBackend(repoPath);
  try {
    const repo = await Repository.open(backend, { password: TEST_PASSWORD });
    const level = blobCompressionLevel(repo.version, 'auto');
    let lanePacks = 0;
    let compressed = 0;
    let uncompressed = 0;
    const ids: Id[] = [];
    for await (const f of repo.listFiles('data')) ids.push(f.id);
    for (const packId of ids) {
      const blobs = await repo.loadPackHeader(packId);
      // the lane writes data blobs only; tree packs come from PackFileWriter already
      if (blobs.some((b) => b.type !== 'data')) continue;
      lanePacks++;
      const theirs = await repo.loadPackRange(packId, 0, 0);
      const headerLength = theirs.readUInt32LE(theirs.length - 4);
      // the IVs the lane drew, in the order it sealed: each blob, then the header
      const ivs = [...blobs.map((b) => theirs.subarray(b.offset, b.offset + IV_LENGTH)), theirs.subarray(theirs.length - 4 - headerLength, theirs.length - 4 - headerLength + IV_LENGTH)];
      const packs: PackFile[] = [];
      const writer = new PackFileWriter(
        repo.key,
        level,
        (p) => packs.push(p),
        undefined,
        undefined,
        () => {
          const iv = ivs.shift();
          assert.ok(iv, 'the TypeScript writer sealed more often than the lane');
          return iv;
        },
      );
      for (const b of blobs) {
        const plain = repo.decryptBlob({ type: b.type, id: b.id, packId, uncompressedLength: b.uncompressedLength }, theirs.subarray(b.offset, b.offset + b.length));
        writer.addBlob(b.type, b.id, plain);
        if (b.uncompressedLength > 0) compressed++;
        else uncompressed++;
      }
      writer.finish();
      assert.equal(packs.length, 1, `pack ${packId}: the TypeScript writer split it differently`);
      const ours = readPack(packs[0]!);
      assert.equal(ours.length, theirs.length, `pack ${packId}: length`);
      assert.ok(ours.equals(theirs), `pack ${packId}: the bytes differ`);
      assert.equal(packs[0]!.id, packId);
      assert.equal(ivs.length, 0);
    }
    assert.ok(lanePacks >= 2, `expected at least two packs from the file lanes, got ${lanePacks}`);
    assert.ok(compressed > 0 && uncompressed > 0, `compressed ${compressed}, uncompressed ${uncompressed} blobs`);
  } finally {
    await backend.close();
  }
  await restic(repoPath, ['check', '--read-data']);
});
