/**
 * The "unpacked file" encoding of snapshots, index and lock files (spec 5): in a version 2
 * repository the plaintext is either JSON (`{`/`[` first) or 0x02 followed by a zstd stream.
 */
import { FormatError } from '../core/index.js';
import { compress, decompressAny, zstdLevel } from './compression.js';

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
