/**
 * Pure functions over the bytes of packs and blobs (no I/O), so that worker threads can verify
 * data with nothing but the key: open a blob (decrypt, decompress, check its ID) and read a
 * pack's header from its last bytes.
 */
import { type Id, IntegrityError, sha256 } from '../../core/index.js';
import { decompressExact } from '../compression.js';
import { CIPHERTEXT_OVERHEAD, type CryptoKey, nativeCryptoEnabled, open as openSealed, openInto } from '../crypto/index.js';
import { OPEN_BLOB, openBlobSync } from '../../native/index.js';
import { MAX_HEADER_SIZE, type BlobType, type PackBlob, parsePackHeader } from './header.js';

/** Reusable buffers for decrypting (`sealed`) and decompressing (`plain`) blobs on hot paths. */
export interface BlobScratch {
  sealed: Buffer;
  plain: Buffer;
}

/** Large enough for any data blob restic's chunker makes (8 MiB), sealed or plain. */
export const CHUNK_BLOB_BYTES = 8 * 1024 * 1024 + 64 * 1024;

/** Scratch buffers large enough for any data blob restic's chunker makes (8 MiB). */
export function newBlobScratch(): BlobScratch {
  return { sealed: Buffer.allocUnsafe(CHUNK_BLOB_BYTES), plain: Buffer.allocUnsafe(CHUNK_BLOB_BYTES) };
}

/**
 * Decrypts the bytes of a blob as stored in its pack and verifies them against the blob ID. With
 * `scratch`, the result is a view into scratch buffers, valid until the next call with them.
 * `scratch.sealed` may be `bytes` itself: the blob is then decrypted in place.
 */
export function openBlob(key: CryptoKey, loc: { type: BlobType; id: Id; packId: Id; uncompressedLength: number }, bytes: Uint8Array, scratch?: BlobScratch): Buffer {
  const what = `${loc.type} blob ${loc.id} in pack ${loc.packId}`;
  if (nativeCryptoEnabled() && bytes.length >= CIPHERTEXT_OVERHEAD) {
    const opened = openInAddon(key, loc, bytes, what, scratch);
    if (opened) return opened;
  }
  let plain: Buffer;
  try {
    if (scratch && scratch.sealed.length >= bytes.length) plain = scratch.sealed.subarray(0, openInto(key, bytes, scratch.sealed, 0));
    else plain = openSealed(key, bytes);
  } catch (err) {
    throw new IntegrityError(`${what}: ${(err as Error).message}`, { cause: err });
  }
  if (loc.uncompressedLength > 0) plain = decompressExact(plain, loc.uncompressedLength, what, scratch?.plain);
  if (!sha256(plain).equals(Buffer.from(loc.id, 'hex'))) throw new IntegrityError(`${what}: content does not match the blob ID`);
  return plain;
}

const OPENED = new Float64Array(2);

/**
 * openBlob in one call into the addon (the main thread's tree loads open thousands of small blobs,
 * and four calls each into the addon, zstd-napi and node:crypto were a third of the time spent
 * opening them). Undefined when the MAC fails: nothing was written, and openBlob's own path
 * words that error.
 */
function openInAddon(key: CryptoKey, loc: { id: Id; uncompressedLength: number }, bytes: Uint8Array, what: string, scratch?: BlobScratch): Buffer | undefined {
  const raw = loc.uncompressedLength;
  const length = raw > 0 ? raw : bytes.length - CIPHERTEXT_OVERHEAD;
  const room = raw > 0 ? scratch?.plain : scratch?.sealed;
  const out = room && room.length >= length ? room.subarray(0, length) : Buffer.allocUnsafe(length);
  openBlobSync(key, { sealed: bytes, id: Buffer.from(loc.id, 'hex'), compressed: raw > 0, out }, OPENED);
  switch (OPENED[0]) {
    case OPEN_BLOB.ok:
      return out;
    case OPEN_BLOB.zstd:
      throw new IntegrityError(`${what}: zstd decompression failed`);
    case OPEN_BLOB.size:
      throw new IntegrityError(`${what}: decompressed to ${OPENED[1]} bytes, expected ${raw}`);
    case OPEN_BLOB.hash:
      throw new IntegrityError(`${what}: content does not match the blob ID`);
    default:
      return undefined;
  }
}

/**
 * Decrypts the header at the end of `tail` (the last bytes of a pack of `size` bytes): its
 * plaintext, and where the blobs before it end.
 */
export function openPackTail(key: CryptoKey, packId: Id, tail: Buffer, size: number): { plain: Buffer; blobsEnd: number } {
  const what = `pack ${packId}`;
  if (size < 4 + 32 || tail.length < 4) throw new IntegrityError(`${what}: file of ${size} bytes is too short to be a pack`);
  const headerLength = tail.readUInt32LE(tail.length - 4);
  if (headerLength < 32 || headerLength > size - 4 || headerLength > MAX_HEADER_SIZE || headerLength + 4 > tail.length) {
    throw new IntegrityError(`${what}: invalid header length ${headerLength} for a file of ${size} bytes`);
  }
  try {
    return { plain: openSealed(key, tail.subarray(tail.length - 4 - headerLength, tail.length - 4)), blobsEnd: size - 4 - headerLength };
  } catch (err) {
    throw new IntegrityError(`${what}: header ${(err as Error).message}`, { cause: err });
  }
}

/** Decrypts and parses the header at the end of `tail` (the last bytes of a pack of `size` bytes). */
export function parsePackTail(key: CryptoKey, version: number, packId: Id, tail: Buffer, size: number): PackBlob[] {
  const { plain, blobsEnd } = openPackTail(key, packId, tail, size);
  return parsePackHeader(plain, version, packId, blobsEnd);
}
