import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sha256 } from '../../core/index.js';
import { compress } from '../compression.js';
import { generateKey, nativeCryptoEnabled, seal, setNativeCrypto } from '../crypto/index.js';
import { BlobStatus, OPEN_BLOB_FIELDS, blobOpenError, openBlobs } from './open-blobs.js';

/** Blobs as a pack stores them, one after another, and the request that opens them all. */
function span(contents: { plain: Buffer; compressed: boolean }[]) {
  const key = generateKey();
  const sealed: Buffer[] = [];
  const blobs = new Float64Array(contents.length * OPEN_BLOB_FIELDS);
  const ids = Buffer.alloc(contents.length * 32);
  let offset = 0;
  let at = 0;
  contents.forEach((c, i) => {
    const s = seal(key, c.compressed ? compress(c.plain, 3) : c.plain);
    const raw = c.compressed ? c.plain.length : 0;
    blobs.set([offset, s.length, raw, at], i * OPEN_BLOB_FIELDS);
    sha256(c.plain).copy(ids, i * 32);
    sealed.push(s);
    offset += s.length;
    at += raw;
  });
  const bytes = Buffer.concat(sealed);
  return { key, request: { bytes, blobs, ids, plain: Buffer.alloc(at), status: new Uint8Array(contents.length).fill(9) } };
}

const contents = [
  { plain: Buffer.from('text that compresses well\n'.repeat(3000)), compressed: true },
  { plain: randomBytes(70_000), compressed: false },
  { plain: Buffer.from('another compressible blob\n'.repeat(500)), compressed: true },
  { plain: Buffer.alloc(0), compressed: false },
];

for (const native of [true, false]) {
  test(`openBlobs (${native ? 'native addon' : 'JavaScript'}): every blob opened, compressed ones at their own place in plain`, async (t) => {
    if (native && !nativeCryptoEnabled()) return t.skip('native addon not built');
    const previous = setNativeCrypto(native);
    try {
      const { key, request: r } = span(contents);
      await openBlobs(key, r);
      assert.deepEqual([...r.status], [0, 0, 0, 0]);
      contents.forEach((c, i) => {
        const [offset, length, raw, at] = r.blobs.subarray(i * OPEN_BLOB_FIELDS, (i + 1) * OPEN_BLOB_FIELDS);
        const got = raw! > 0 ? r.plain.subarray(at, at! + raw!) : r.bytes.subarray(offset, offset! + length! - 32);
        assert.ok(got.equals(c.plain), `blob ${i}`);
      });
    } finally {
      setNativeCrypto(previous);
    }
  });

  test(`openBlobs (${native ? 'native addon' : 'JavaScript'}): a damaged blob, a wrong ID, an entry past the end each get their status; the others open`, async (t) => {
    if (native && !nativeCryptoEnabled()) return t.skip('native addon not built');
    const previous = setNativeCrypto(native);
    try {
      const { key, request: r } = span([...contents, { plain: Buffer.from('last'), compressed: false }]);
      const second = r.blobs[OPEN_BLOB_FIELDS]!;
      r.bytes[second + 40]! ^= 1; // blob 1: its ciphertext
      r.ids[2 * 32]! ^= 1; // blob 2: decrypts and decompresses, but to other content than its ID
      r.blobs[3 * OPEN_BLOB_FIELDS] = r.bytes.length; // blob 3: its entry points past the bytes read
      await openBlobs(key, r);
      assert.deepEqual([...r.status], [BlobStatus.ok, BlobStatus.sealed, BlobStatus.hash, BlobStatus.outOfBounds, BlobStatus.ok]);
      assert.ok(r.plain.subarray(0, contents[0]!.plain.length).equals(contents[0]!.plain));
    } finally {
      setNativeCrypto(previous);
    }
  });
}

test('blobOpenError: the status said in words, the blob and pack named', () => {
  const what = 'data blob 12ab in pack 34cd';
  assert.match(blobOpenError(BlobStatus.sealed, what).message, /^data blob 12ab in pack 34cd: ciphertext verification failed$/);
  assert.match(blobOpenError(BlobStatus.hash, what).message, /does not match the blob ID/);
  assert.match(blobOpenError(BlobStatus.decompression, what).message, /zstd decompression failed/);
  assert.match(blobOpenError(BlobStatus.outOfBounds, what).message, /passes the end/);
  assert.equal(blobOpenError(BlobStatus.hash, what).code, 'E_INTEGRITY');
});
