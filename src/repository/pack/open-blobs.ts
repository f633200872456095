/**
 * Opens many blobs of one read of a pack in a single request (restore): each is checked,
 * decrypted in place, decompressed to its own place in `plain` when compressed, and hashed
 * against its ID. With the native addon the request runs on libuv's thread pool (openPackBlobs in
 * native/verify-pack.c), so the main thread only hands out the plaintexts; without it the same
 * work runs here, one blob after another, with the same contract.
 */
import { IntegrityError, sha256 } from '../../core/index.js';
import { decompressExact } from '../compression.js';
import { type CryptoKey, nativeCryptoEnabled, openInto } from '../crypto/index.js';
import { openPackBlobs } from '../../native/index.js';

/** Numbers per blob in an OpenBlobsRequest's `blobs`. */
export const OPEN_BLOB_FIELDS = 4;

/** A blob's outcome in `status`: opened, or why not (the native addon's codes). */
export const BlobStatus = { ok: 0, outOfBounds: 1, sealed: 2, decompression: 3, hash: 4 } as const;

/**
 * blobs: per blob its offset in `bytes`, stored length, uncompressed length (0: stored
 * uncompressed) and, for a compressed one, where in `plain` its plaintext goes. ids: 32 bytes per
 * blob. status: one byte per blob, written by the request. An uncompressed blob's plaintext is
 * left in `bytes` at its offset (its stored length less 32 bytes).
 */
export interface OpenBlobsRequest {
  bytes: Uint8Array;
  blobs: Float64Array;
  ids: Uint8Array;
  plain: Buffer;
  status: Uint8Array;
}

/** Opens every blob of `r` (see OpenBlobsRequest); rejects only when the work itself could not run. */
export async function openBlobs(key: CryptoKey, r: OpenBlobsRequest): Promise<void> {
  if (nativeCryptoEnabled()) return openPackBlobs(key, r.bytes, r.blobs, r.ids, r.plain, r.status);
  const bytes = Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
  for (let i = 0; i * OPEN_BLOB_FIELDS < r.blobs.length; i++) r.status[i] = openOne(key, r, bytes, i);
}

function openOne(key: CryptoKey, r: OpenBlobsRequest, bytes: Buffer, i: number): number {
  const [offset, length, raw, at] = r.blobs.subarray(i * OPEN_BLOB_FIELDS, (i + 1) * OPEN_BLOB_FIELDS) as unknown as [number, number, number, number];
  if (!(offset >= 0 && length >= 0 && offset + length <= bytes.length)) return BlobStatus.outOfBounds;
  let plain: Buffer;
  try {
    plain = bytes.subarray(offset, offset + openInto(key, bytes.subarray(offset, offset + length), bytes, offset));
  } catch {
    return BlobStatus.sealed;
  }
  if (raw > 0) {
    if (!(at >= 0 && at + raw <= r.plain.length)) return BlobStatus.decompression;
    try {
      plain = decompressExact(plain, raw, 'blob', r.plain.subarray(at, at + raw));
    } catch {
      return BlobStatus.decompression;
    }
  }
  return sha256(plain).equals(r.ids.subarray(i * 32, i * 32 + 32)) ? BlobStatus.ok : BlobStatus.hash;
}

/** The error a blob's failed status stands for; `what` names the blob and its pack. */
export function blobOpenError(status: number, what: string): IntegrityError {
  switch (status) {
    case BlobStatus.outOfBounds:
      return new IntegrityError(`${what}: its index entry passes the end of the bytes read`);
    case BlobStatus.sealed:
      return new IntegrityError(`${what}: ciphertext verification failed`);
    case BlobStatus.decompression:
      return new IntegrityError(`${what}: zstd decompression failed`);
    default:
      return new IntegrityError(`${what}: content does not match the blob ID`);
  }
}
