/**
 * Verifies a whole pack held in memory against its index entries (check --read-data): its hash
 * equals its name, its header matches the index, every blob decrypts, decompresses and hashes to
 * its ID. verifyPack is pure (usable in worker threads); verifyPackInPlace does the same work on
 * libuv's thread pool through the native addon.
 */
import { type Id, errorMessage, sha256Id } from '../../core/index.js';
import { type BlobScratch, openBlob, parsePackTail } from './blob-crypto.js';
import { type CryptoKey, nativeCryptoEnabled } from '../crypto/index.js';
import { type CompactPack, packBlobs } from '../index/compact-pack.js';
import { verifyPackBlobs } from '../../native/index.js';

export interface PackProblem {
  kind: 'pack-hash-mismatch' | 'pack-header-mismatch' | 'blob-corrupt';
  blob?: Id;
  message: string;
}

type EntryFields = { type: string; id: string; offset: number; length: number; uncompressedLength: number };
const entryKey = (b: EntryFields): string => `${b.type}:${b.id}:${b.offset}:${b.length}:${b.uncompressedLength}`;

/** The header's entries as keys, or undefined (and a problem) when it cannot be read. */
function headerEntries(key: CryptoKey, version: number, packId: Id, bytes: Buffer, problems: PackProblem[]): Set<string> | undefined {
  try {
    return new Set(parsePackTail(key, version, packId, bytes, bytes.length).map(entryKey));
  } catch (err) {
    problems.push({ kind: 'pack-header-mismatch', message: `pack ${packId}: header unreadable: ${errorMessage(err)}` });
    return undefined;
  }
}

function headerMismatch(packId: Id, b: EntryFields & { id: Id }): PackProblem {
  return { kind: 'pack-header-mismatch', blob: b.id, message: `pack ${packId}: index entry for ${b.type} blob ${b.id} does not match the pack header` };
}

export function verifyPack(key: CryptoKey, version: number, packId: Id, bytes: Buffer, indexed: CompactPack, scratch: BlobScratch): PackProblem[] {
  const problems: PackProblem[] = [];
  if (sha256Id(bytes) !== packId) problems.push({ kind: 'pack-hash-mismatch', message: `pack ${packId}: content does not match its name (damaged file)` });
  const header = headerEntries(key, version, packId, bytes, problems);
  for (const b of packBlobs(indexed)) {
    if (header && !header.has(entryKey(b))) problems.push(headerMismatch(packId, b));
    try {
      openBlob(key, { type: b.type, id: b.id, packId, uncompressedLength: b.uncompressedLength }, bytes.subarray(b.offset, b.offset + b.length), scratch);
    } catch (err) {
      problems.push({ kind: 'blob-corrupt', blob: b.id, message: errorMessage(err) });
    }
  }
  return problems;
}

/** True when verifyPackInPlace can run: the native addon is loaded and used for crypto. */
export function verifyPackInPlaceAvailable(): boolean {
  return nativeCryptoEnabled();
}

/**
 * verifyPack's work on libuv's thread pool (native addon). `bytes` is overwritten (blobs are
 * decrypted in place) and must not be touched until the promise settles; `plain` receives
 * decompressed blobs (grown when a blob is larger: the buffer to keep is returned). `sound`: the
 * pack's hash and every blob verified, and `problems` are then exactly verifyPack's (header
 * problems only). Otherwise the caller reads the pack again and lets verifyPack name the problems,
 * so that damage is reported the same way on both paths; a sound pack costs no JS work beyond its
 * header.
 */
export async function verifyPackInPlace(
  key: CryptoKey,
  version: number,
  packId: Id,
  bytes: Buffer,
  indexed: CompactPack,
  plain: Buffer,
): Promise<{ sound: boolean; problems: PackProblem[]; plain: Buffer }> {
  const problems: PackProblem[] = [];
  // the header first: a damaged index entry could point into it, and blobs are decrypted in place
  const header = headerEntries(key, version, packId, bytes, problems);
  const n = indexed.count;
  const blobs = new Float64Array(n * 3);
  let largest = 0;
  for (let i = 0; i < n; i++) {
    blobs[i * 3] = indexed.offsets[i]!;
    blobs[i * 3 + 1] = indexed.lengths[i]!;
    blobs[i * 3 + 2] = indexed.uncompressedLengths[i]!;
    largest = Math.max(largest, indexed.uncompressedLengths[i]!);
  }
  if (plain.length < largest) plain = Buffer.allocUnsafe(largest);
  const out = Buffer.alloc(32 + n);
  await verifyPackBlobs(key, bytes, blobs, indexed.ids, plain, out);
  const sound = out.toString('hex', 0, 32) === packId && out.subarray(32).every((s) => s === 0);
  if (sound && header) for (const b of packBlobs(indexed)) if (!header.has(entryKey(b))) problems.push(headerMismatch(packId, b));
  return { sound, problems, plain };
}
