/**
 * openBlob in one call into the addon and in JavaScript: the same plaintext, or the same error,
 * for blobs stored compressed and not, damaged in every way, with and without scratch buffers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { type Id, sha256Id } from '../../core/index.js';
import { compress } from '../compression.js';
import { generateKey, seal, setNativeCrypto } from '../crypto/index.js';
import { OPEN_BLOB, openBlobSync } from '../../native/index.js';
import { newBlobScratch, openBlob } from './blob-crypto.js';

const key = generateKey();
const packId = 'ee'.repeat(32) as Id;

interface Case {
  name: string;
  sealed: Buffer;
  id: Id;
  uncompressedLength: number;
}

function blob(name: string, plain: Buffer, compressed: boolean, change?: (c: Case) => void): Case {
  const c: Case = { name, sealed: seal(key, compressed ? compress(plain, 2) : plain), id: sha256Id(plain), uncompressedLength: compressed ? plain.length : 0 };
  change?.(c);
  return c;
}

/** What openBlob gives: the plaintext as hex, or the error's class and message. */
function opened(c: Case, native: boolean, withScratch: boolean): string {
  const previous = setNativeCrypto(native);
  try {
    const scratch = withScratch ? newBlobScratch() : undefined;
    return openBlob(key, { type: 'data', id: c.id, packId, uncompressedLength: c.uncompressedLength }, Buffer.from(c.sealed), scratch).toString('hex');
  } catch (err) {
    return `${(err as Error).constructor.name}: ${(err as Error).message}`;
  } finally {
    setNativeCrypto(previous);
  }
}

test('openBlob gives the same plaintext or the same error in one call into the addon as in JavaScript', () => {
  const text = Buffer.from('some tree or file content\n'.repeat(400));
  const cases: Case[] = [
    blob('uncompressed', randomBytes(5000), false),
    blob('compressed', text, true),
    blob('empty', Buffer.alloc(0), false),
    blob('flipped ciphertext', text, true, (c) => void (c.sealed[40]! ^= 1)),
    blob('flipped MAC', text, false, (c) => void (c.sealed[c.sealed.length - 1]! ^= 1)),
    blob('zero IV', text, false, (c) => c.sealed.fill(0, 0, 16)),
    blob('another ID', text, false, (c) => (c.id = sha256Id(Buffer.from('x')))),
    blob('another ID, compressed', text, true, (c) => (c.id = sha256Id(Buffer.from('x')))),
    blob('uncompressed length too small', text, true, (c) => (c.uncompressedLength -= 1)),
    blob('uncompressed length too large', text, true, (c) => (c.uncompressedLength += 10)),
    blob('not zstd', randomBytes(300), false, (c) => (c.uncompressedLength = 1000)),
    { name: 'shorter than IV and MAC', sealed: randomBytes(20), id: sha256Id(Buffer.alloc(0)), uncompressedLength: 0 },
  ];
  for (const c of cases) {
    for (const withScratch of [false, true]) {
      const here = opened(c, false, withScratch);
      assert.equal(opened(c, true, withScratch), here, `${c.name}${withScratch ? ', with scratch buffers' : ''}`);
    }
  }
  assert.equal(opened(cases[1]!, true, false), text.toString('hex'));
  assert.match(opened(cases[3]!, true, false), /ciphertext verification failed/);
  assert.match(opened(cases[6]!, true, false), /content does not match the blob ID/);
  assert.match(opened(cases[8]!, true, false), /zstd decompression failed|decompressed to/);
});

test('openBlobSync reports each outcome with its status', () => {
  const text = Buffer.from('compressible text '.repeat(300));
  const status = (c: Case, out = Buffer.alloc(c.uncompressedLength || c.sealed.length - 32)): [number, number, Buffer] => {
    const result = new Float64Array(2);
    openBlobSync(key, { sealed: c.sealed, id: Buffer.from(c.id, 'hex'), compressed: c.uncompressedLength > 0, out }, result);
    return [result[0]!, result[1]!, out];
  };
  const ok = status(blob('compressed', text, true));
  assert.deepEqual([ok[0], ok[2].toString()], [OPEN_BLOB.ok, text.toString()]);
  assert.equal(status(blob('plain', text, false))[2].toString(), text.toString());
  assert.equal(status(blob('flipped', text, false, (c) => void (c.sealed[20]! ^= 1)))[0], OPEN_BLOB.sealed);
  assert.equal(status(blob('not zstd', text, false, (c) => (c.uncompressedLength = 99)))[0], OPEN_BLOB.zstd);
  assert.deepEqual(status(blob('short', text, true, (c) => (c.uncompressedLength += 5))).slice(0, 2), [OPEN_BLOB.size, text.length]);
  assert.equal(status(blob('other ID', text, true, (c) => (c.id = sha256Id(Buffer.from('y')))))[0], OPEN_BLOB.hash);
  const sealed = blob('untouched', text, true);
  const before = Buffer.from(sealed.sealed);
  status(sealed);
  assert.deepEqual(sealed.sealed, before, 'a compressed blob is decrypted into the addon, not in place');
});

test('a compressed blob larger than the buffer the addon keeps opens, twice in a row', () => {
  const big = blob('big', randomBytes(17 * 1024 * 1024), true);
  for (let i = 0; i < 2; i++) assert.equal(opened(big, true, false).length, 2 * big.uncompressedLength);
  assert.equal(opened(blob('small after it', Buffer.from('small'), true), true, false), Buffer.from('small').toString('hex'));
});
