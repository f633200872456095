/**
 * The "unpacked file" encoding of snapshots, index and lock files (spec 5): in a version 2
 * repository the plaintext is either JSON (`{`/`[` first) or 0x02 followed by a zstd stream.
 */
import { type Id, FormatError, IntegrityError, sha256Id } from '../core/index.js';
import { openUnpacked } from '../native/index.js';
import { compress, decompressAny, zstdLevel } from './compression.js';
import { type CryptoKey, nativeCryptoEnabled, open as openSealed } from './crypto/index.js';

const VERSION_BYTE_ZSTD = 0x02;

export function decodeUnpacked(plain: Buffer, repoVersion: number, what: string): Buffer {
  if (repoVersion < 2 || plain.length === 0) return plain;
  const first = plain[0];
  if (first === 0x7b || first === 0x5b) return plain;
  if (first === VERSION_BYTE_ZSTD) return decompressAny(plain.subarray(1), what);
  throw new FormatError(`${what}: unsupported encoding format ${first}`);
}

export function encodeUnpacked(json: Uint8Array, repoVersion: number): Buffer {
  if (repoVersion < 2) return Buffer.from(json);
  return Buffer.concat([Buffer.of(VERSION_BYTE_ZSTD), compress(json, zstdLevel('auto'))]);
}

/** The largest plaintext the thread pool decodes; a larger one is decoded here. */
const MAX_OFF_THREAD = 0x7fffffff;

/**
 * A stored unpacked file's plaintext: checked against its name, decrypted and decoded. With the
 * native addon the work runs on libuv's thread pool (the index load does it for every index file
 * while the main thread reads the ones already open); whatever fails there is done again here,
 * which words the error.
 */
export async function openUnpackedFile(key: CryptoKey, bytes: Buffer, id: Id, repoVersion: number, what: string): Promise<Buffer> {
  if (nativeCryptoEnabled()) {
    const plain = await openUnpacked(key, bytes, Buffer.from(id, 'hex'), repoVersion >= 2, MAX_OFF_THREAD);
    if (plain) return plain;
  }
  if (sha256Id(bytes) !== id) throw new IntegrityError(`${what}: content does not match its name (hash mismatch)`);
  let plain: Buffer;
  try {
    plain = openSealed(key, bytes);
  } catch (err) {
    throw new IntegrityError(`${what}: ${(err as Error).message}`, { cause: err });
  }
  return decodeUnpacked(plain, repoVersion, what);
}
