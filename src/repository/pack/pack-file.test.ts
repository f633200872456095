import assert from 'node:assert/strict';
import { closeSync, fstatSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sha256, sha256Id } from '../../core/index.js';
import { linkFd } from '../../native/index.js';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { openBlob, parsePackTail } from './blob-crypto.js';
import { generateKey } from '../crypto/index.js';
import { PACK_BUFFER_SIZE, TARGET_PACK_SIZE } from './header.js';
import { type PackFile, PackFileWriter, packFileBlobs } from './pack-file.js';

function readPack(pack: PackFile): Buffer {
  const bytes = Buffer.alloc(pack.length);
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(pack.fd, bytes, done, bytes.length - done, done);
    assert.ok(n > 0, 'pack file shorter than announced');
    done += n;
  }
  assert.equal(fstatSync(pack.fd).size, pack.length, 'nothing after the announced length');
  closeSync(pack.fd);
  return bytes;
}

for (const level of [0, 3]) {
  test(`PackFileWriter (level ${level}): packs restic can read back, ID = SHA-256 of the file`, () => {
    const key = generateKey();
    const packs: PackFile[] = [];
    const writer = new PackFileWriter(key, level, (p) => packs.push(p), 16);
    const text = Buffer.from('a compressible line of text\n'.repeat(4000));
    const random = randomBytes(300_000);
    const blobs = [text, random, Buffer.alloc(0), text.subarray(0, 100)];
    for (const [i, b] of blobs.entries()) writer.addBlob('data', i % 2 ? sha256(b) : sha256Id(b), b); // ID as bytes or hex
    writer.addBlob('tree', sha256Id(text), text);
    assert.equal(packs.length, 0, 'not full yet');
    writer.finish();
    writer.finish(); // nothing open: no empty pack
    assert.equal(packs.length, 1);
    const pack = packs[0]!;
    const bytes = readPack(pack);
    assert.equal(sha256Id(bytes), pack.id);
    const header = parsePackTail(key, 2, pack.id, bytes, bytes.length);
    assert.deepEqual(header, packFileBlobs(pack));
    assert.deepEqual(
      header.map((h) => h.type),
      ['data', 'data', 'data', 'data', 'tree'],
    );
    for (const [i, h] of header.entries()) {
      const plain = openBlob(key, { ...h, packId: pack.id }, bytes.subarray(h.offset, h.offset + h.length));
      assert.ok(plain.equals(i < blobs.length ? blobs[i]! : text));
    }
    if (level > 0) {
      assert.ok(header[0]!.uncompressedLength === text.length && header[0]!.length < text.length / 10, 'text is compressed');
      assert.equal(header[1]!.uncompressedLength, 0, 'random data stays uncompressed (compression would not make it smaller)');
    } else {
      assert.ok(header.every((h) => h.uncompressedLength === 0));
    }
  });
}

test('PackFileWriter: finishes at the target size, and before a blob would overflow a pack buffer', () => {
  const key = generateKey();
  const packs: PackFile[] = [];
  const writer = new PackFileWriter(key, 0, (p) => packs.push(p));
  const mib = randomBytes(1024 * 1024);
  // 15 MiB, then a 3 MiB blob that would take the pack past the buffer size: it opens a new pack
  for (let i = 0; i < 15; i++) {
    const b = Buffer.concat([mib.subarray(0, mib.length - 4), Buffer.from([i, 0, 0, 0])]);
    writer.addBlob('data', sha256Id(b), b);
  }
  assert.equal(packs.length, 0);
  const big = randomBytes(3 * 1024 * 1024);
  writer.addBlob('data', sha256Id(big), big);
  assert.equal(packs.length, 1, 'the open pack was finished first');
  assert.equal(packs[0]!.blobCount, 15);
  assert.ok(packs[0]!.length <= PACK_BUFFER_SIZE);
  // the new pack reaches the target: finished right after the blob that fills it
  for (let i = 0; packs.length === 1; i++) {
    const b = Buffer.concat([mib.subarray(0, mib.length - 4), Buffer.from([i, 1, 0, 0])]);
    writer.addBlob('data', sha256Id(b), b);
  }
  assert.equal(packs.length, 2);
  assert.ok(packs[1]!.length >= TARGET_PACK_SIZE && packs[1]!.length <= PACK_BUFFER_SIZE);
  for (const p of packs) {
    const bytes = readPack(p);
    assert.equal(sha256Id(bytes), p.id);
    assert.deepEqual(parsePackTail(key, 1, p.id, bytes, bytes.length), packFileBlobs(p));
  }
});

test('PackFileWriter: a blob larger than a pack buffer gets a pack of its own; discard drops the open pack', () => {
  const key = generateKey();
  const packs: PackFile[] = [];
  const writer = new PackFileWriter(key, 3, (p) => packs.push(p));
  const small = Buffer.from('small');
  writer.addBlob('tree', sha256Id(small), small);
  const huge = randomBytes(PACK_BUFFER_SIZE + 1000);
  writer.addBlob('tree', sha256Id(huge), huge);
  assert.equal(packs.length, 2);
  assert.deepEqual(
    packs.map((p) => p.blobCount),
    [1, 1],
  );
  assert.ok(packs[1]!.length > PACK_BUFFER_SIZE);
  for (const p of packs) readPack(p);
  writer.addBlob('tree', sha256Id(small), small);
  writer.discard();
  writer.finish();
  assert.equal(packs.length, 2, 'a discarded pack is never handed over');
});

test('issue 20 defect 2: a pack header entry with a length beyond one read, or blobs beyond the file, names the pack and the blob', async () => {
  const { encodePackHeader, parsePackHeader } = await import('./header.js');
  const blob = sha256Id(Buffer.from('x'));
  const huge = encodePackHeader([{ type: 'data', id: blob, offset: 0, length: 0xffffffff, uncompressedLength: 0 }]);
  assert.throws(() => parsePackHeader(huge, 2, 'p1'), new RegExp(`pack p1: header entry for blob ${blob}: length 4294967295 is out of range`));
  const { seal } = await import('../crypto/index.js');
  const key = generateKey();
  const header = seal(key, encodePackHeader([{ type: 'data', id: blob, offset: 0, length: 100, uncompressedLength: 0 }]));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  // 10 bytes of blobs where the header claims 100
  const file = Buffer.concat([Buffer.alloc(10), header, length]);
  const pack = sha256Id(file);
  assert.throws(() => parsePackTail(key, 2, pack, file, file.length), new RegExp(`pack ${pack}: header entry for blob ${blob} ends at byte 100, beyond the 10 bytes`));
});

test('PackFileWriter: packs are anonymous files in the given directory that can be given a name there (O_TMPFILE)', async () => {
  await withTempDir(async (dir) => {
    const packs: PackFile[] = [];
    const writer = new PackFileWriter(generateKey(), 3, (p) => packs.push(p), 16, dir);
    writer.addBlob('data', sha256Id(Buffer.from('x')), Buffer.from('x'));
    writer.finish();
    const pack = packs[0]!;
    try {
      assert.deepEqual(readdirSync(dir), [], 'no name while it is built');
      assert.equal(fstatSync(pack.fd).nlink, 0);
      linkFd(pack.fd, join(dir, pack.id));
      assert.equal(statSync(join(dir, pack.id)).ino, fstatSync(pack.fd).ino);
      assert.equal(sha256Id(readFileSync(join(dir, pack.id))), pack.id);
    } finally {
      closeSync(pack.fd);
    }
  }, 'lifeboat-packfile-');
});
