/**
 * Unpacked files (spec 5) opened on the thread pool and here: the same plaintext, and the same
 * errors (the pool declines and the caller words them), for every encoding and every damage.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { type Id, sha256Id } from '../core/index.js';
import { generateKey, seal, setNativeCrypto } from './crypto/index.js';
import { openUnpacked } from '../native/index.js';
import { encodeUnpacked, openUnpackedFile } from './unpacked.js';

const key = generateKey();
const json = Buffer.from(`{"packs":[${'{"id":"x"},'.repeat(5000)}{}]}\n`);
const zstd = createRequire(import.meta.url)('zstd-napi') as { compress(data: Uint8Array): Buffer; Compressor: new () => { setParameters(p: object): void; compress(d: Uint8Array): Buffer } };

/** A stored file: sealed plaintext and its name. */
function stored(plain: Uint8Array): { bytes: Buffer; id: Id } {
  const bytes = seal(key, plain);
  return { bytes, id: sha256Id(bytes) };
}

/** What opening gives on both paths: the plaintext as text, or the error's class and message. */
async function opened(file: { bytes: Buffer; id: Id }, version: number): Promise<string[]> {
  const out: string[] = [];
  for (const native of [true, false]) {
    const previous = setNativeCrypto(native);
    try {
      out.push((await openUnpackedFile(key, Buffer.from(file.bytes), file.id, version, 'index/x')).toString());
    } catch (err) {
      out.push(`${(err as Error).constructor.name}: ${(err as Error).message}`);
    } finally {
      setNativeCrypto(previous);
    }
  }
  return out;
}

test('an unpacked file opens to the same plaintext, or fails with the same error, on the thread pool and here', async () => {
  // a frame without its size in the header (streamed): the pool declines it, this side decodes it
  const c = new zstd.Compressor();
  c.setParameters({ contentSizeFlag: false });
  const unsized = Buffer.concat([Buffer.of(2), c.compress(json)]);
  const cases: [string, { bytes: Buffer; id: Id }, number, string | RegExp][] = [
    ['version 1, JSON', stored(json), 1, json.toString()],
    ['version 2, zstd', stored(encodeUnpacked(json, 2)), 2, json.toString()],
    ['version 2, plain JSON', stored(json), 2, json.toString()],
    ['version 2, array', stored(Buffer.from('[1]')), 2, '[1]'],
    ['version 2, empty', stored(Buffer.alloc(0)), 2, ''],
    ['version 2, zstd without the size', stored(unsized), 2, json.toString()],
    ['two frames', stored(Buffer.concat([Buffer.of(2), zstd.compress(json), zstd.compress(json)])), 2, json.toString() + json.toString()],
    ['unknown encoding', stored(Buffer.concat([Buffer.of(7), json])), 2, /^FormatError: index\/x: unsupported encoding format 7$/],
    ['damaged frame', stored(Buffer.concat([Buffer.of(2), zstd.compress(json).subarray(0, 40)])), 2, /^IntegrityError: index\/x: zstd decompression failed/],
    ['wrong name', { ...stored(json), id: sha256Id(Buffer.from('other')) }, 2, /^IntegrityError: index\/x: content does not match its name/],
    ['too short', { bytes: Buffer.alloc(10), id: sha256Id(Buffer.alloc(10)) }, 2, /^IntegrityError: index\/x: /],
  ];
  const flipped = stored(json);
  flipped.bytes[20]! ^= 1;
  cases.push(['flipped byte, renamed', { bytes: flipped.bytes, id: sha256Id(flipped.bytes) }, 2, /^IntegrityError: index\/x: /]);
  for (const [name, file, version, want] of cases) {
    const [native, here] = await opened(file, version);
    assert.equal(native, here, name);
    if (typeof want === 'string') assert.equal(native, want, name);
    else assert.match(native!, want, name);
  }
});

test('the thread pool opens the files it can and declines the others', async () => {
  const id = (f: { id: Id }): Buffer => Buffer.from(f.id, 'hex');
  const zipped = stored(encodeUnpacked(json, 2));
  assert.equal((await openUnpacked(key, zipped.bytes, id(zipped), true, 1 << 30))?.toString(), json.toString());
  const plain = stored(json);
  assert.equal((await openUnpacked(key, plain.bytes, id(plain), false, 1 << 30))?.toString(), json.toString());
  // larger than allowed, another name, an encoding it does not know: declined, the file unchanged
  const before = Buffer.from(zipped.bytes);
  assert.equal(await openUnpacked(key, zipped.bytes, id(zipped), true, json.length - 1), undefined);
  assert.equal(await openUnpacked(key, zipped.bytes, id(plain), true, 1 << 30), undefined);
  const other = stored(Buffer.concat([Buffer.of(7), json]));
  assert.equal(await openUnpacked(key, other.bytes, id(other), true, 1 << 30), undefined);
  assert.deepEqual(zipped.bytes, before);
});
