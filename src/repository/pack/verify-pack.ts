/**
 * Verifies a whole pack held in memory against its index entries (check --read-data): its hash
 * equals its name, its header matches the index, every blob decrypts, decompresses and hashes to
 * its ID. verifyPack is pure (usable in worker threads); verifyPackInPieces does the same work
 * with bounded memory, on libuv's thread pool through the native addon.
 */
import { type Id, errorMessage, sha256Id } from '../../core/index.js';
import { type BlobScratch, openBlob, openPackTail } from './blob-crypto.js';
import { type BlobType, ENTRY_ID_SIZE, forEachCheckedEntry } from './header.js';
import { CIPHERTEXT_OVERHEAD, type CryptoKey, nativeCryptoEnabled } from '../crypto/index.js';
import { MAX_SIZE } from '../chunker/index.js';
import { type CompactPack, packBlob } from '../index/compact-pack.js';
import type { IndexBlobEntry } from '../model/index.js';
import { PACK_FILE_READ_ERROR, PACK_HASH_FIRST, PACK_HASH_LAST, type PackVerifier, packVerifier, verifyPackBlobs, verifyPackFile } from '../../native/index.js';

export interface PackProblem {
  kind: 'pack-hash-mismatch' | 'pack-header-mismatch' | 'blob-corrupt';
  blob?: Id;
  message: string;
}

/** The pack's index entries in offset order (their positions in `indexed`). */
function byOffset(indexed: CompactPack): number[] {
  const order = Array.from({ length: indexed.count }, (_, i) => i);
  for (let i = 1; i < indexed.count; i++) {
    if (indexed.offsets[i - 1]! > indexed.offsets[i]!) return order.sort((x, y) => indexed.offsets[x]! - indexed.offsets[y]!);
  }
  return order;
}

/**
 * Marks (1) each index entry that the pack's header (the end of `tail`) does not list exactly:
 * type, ID, offset and lengths. Both are walked in offset order (the header's offsets only
 * grow) and compared as bytes, with no string or object per blob (a pack of small files holds
 * thousands). Undefined, and a problem, when the header cannot be read.
 */
function headerMismatches(key: CryptoKey, version: number, packId: Id, tail: Buffer, size: number, indexed: CompactPack, order: readonly number[], problems: PackProblem[]): Uint8Array | undefined {
  const mismatched = new Uint8Array(indexed.count);
  let k = 0;
  try {
    const { plain, blobsEnd } = openPackTail(key, packId, tail, size);
    const visit = (type: BlobType, idAt: number, offset: number, length: number, uncompressedLength: number): void => {
      for (; k < order.length && indexed.offsets[order[k]!]! < offset; k++) mismatched[order[k]!] = 1;
      for (; k < order.length && indexed.offsets[order[k]!]! === offset; k++) {
        const i = order[k]!;
        const same =
          indexed.types[i] === (type === 'tree' ? 1 : 0) &&
          indexed.lengths[i] === length &&
          indexed.uncompressedLengths[i] === uncompressedLength &&
          indexed.ids.compare(plain, idAt, idAt + ENTRY_ID_SIZE, i * 32, i * 32 + 32) === 0;
        if (!same) mismatched[i] = 1;
      }
    };
    forEachCheckedEntry(plain, version, packId, visit, blobsEnd);
  } catch (err) {
    problems.push({ kind: 'pack-header-mismatch', message: `pack ${packId}: header unreadable: ${errorMessage(err)}` });
    return undefined;
  }
  for (; k < order.length; k++) mismatched[order[k]!] = 1;
  return mismatched;
}

function headerMismatch(packId: Id, b: IndexBlobEntry): PackProblem {
  return { kind: 'pack-header-mismatch', blob: b.id, message: `pack ${packId}: index entry for ${b.type} blob ${b.id} does not match the pack header` };
}

export function verifyPack(key: CryptoKey, version: number, packId: Id, bytes: Buffer, indexed: CompactPack, scratch: BlobScratch): PackProblem[] {
  const problems: PackProblem[] = [];
  if (sha256Id(bytes) !== packId) problems.push({ kind: 'pack-hash-mismatch', message: `pack ${packId}: content does not match its name (damaged file)` });
  const mismatched = headerMismatches(key, version, packId, bytes, bytes.length, indexed, byOffset(indexed), problems);
  for (let i = 0; i < indexed.count; i++) {
    const b = packBlob(indexed, i);
    if (mismatched?.[i]) problems.push(headerMismatch(packId, b));
    try {
      openBlob(key, { type: b.type, id: b.id, packId, uncompressedLength: b.uncompressedLength }, bytes.subarray(b.offset, b.offset + b.length), scratch);
    } catch (err) {
      problems.push({ kind: 'blob-corrupt', blob: b.id, message: errorMessage(err) });
    }
  }
  return problems;
}

/** True when verifyPackInPieces can run: the native addon is loaded and used for crypto. */
export function verifyPackInPiecesAvailable(): boolean {
  return nativeCryptoEnabled();
}

/** Buffers a caller reuses from pack to pack with verifyPackInPieces (grown when needed). */
export interface PieceBuffers {
  piece: Buffer;
  plain: Buffer;
  /** The native state kept from piece to piece (made on first use). */
  verifier?: PackVerifier;
}

/** A piece of a pack read at once through the backend holds up to this much (more when one blob is larger). */
export const PACK_PIECE_BYTES = 4 * 1024 * 1024;
/**
 * The same from a local file (verifyPackFile): no turn of the event loop per piece there, so
 * smaller pieces cost no time and hold less (/usr/share's repository: peak RSS −4 to −5 MiB). A
 * larger blob is a piece of its own, which the addon reads, opens and hashes a step of this size
 * at a time (the 2 GiB dataset's repository: peak RSS 79 against 86 MiB).
 */
const FILE_PIECE_BYTES = 1024 * 1024;
/**
 * A lane's buffers are allocated once at this size at least, a data blob's largest (the chunker's
 * MAX_SIZE) sealed: pages never touched cost no memory, while a buffer grown from pack to pack was
 * fresh memory each time, and first-touch page faults took ≈ 5 % of a check's CPU (perf, /usr/share).
 */
const LANE_BUFFER_BYTES = MAX_SIZE + CIPHERTEXT_OVERHEAD;

/**
 * verifyPack's work with bounded memory: the pack is read piece by piece (`read` fills `target`
 * with the pack's bytes from `offset`), pieces cut between blobs, into `buffers.piece`; each piece
 * goes into the pack's SHA-256 and its blobs are verified in place, both on libuv's thread pool
 * (native addon: the main thread only reads and parses the header), compressed blobs
 * decompressed into `buffers.plain`. `sound`: the
 * pack's hash and every blob verified, its header was read, and `problems` are then exactly
 * verifyPack's (header mismatches only). Otherwise the caller reads the pack whole and lets
 * verifyPack name the problems, so that damage is reported the same way on every path; index
 * entries that overlap or pass the pack's end are not sound either (nothing is read then).
 */
export async function verifyPackInPieces(
  key: CryptoKey,
  version: number,
  packId: Id,
  size: number,
  indexed: CompactPack,
  buffers: PieceBuffers,
  read: (offset: number, target: Buffer) => Promise<void>,
  pieceBytes = PACK_PIECE_BYTES,
  path?: string,
): Promise<{ sound: boolean; problems: PackProblem[] }> {
  const n = indexed.count;
  const order = byOffset(indexed);
  const layout = blobsLayout(indexed, order);
  if (!layout || layout.end > size) return { sound: false, problems: [] };
  const { end, largestSealed, largestPlain } = layout;
  if (buffers.plain.length < largestPlain) buffers.plain = Buffer.allocUnsafe(Math.max(largestPlain, LANE_BUFFER_BYTES));
  const pieces = planPieces(indexed, order, size, end, path === undefined ? Math.max(pieceBytes, largestSealed) : Math.min(pieceBytes, FILE_PIECE_BYTES));
  const largestPiece = Math.max(...pieces.map((p) => p.stop - p.start));
  if (buffers.piece.length < largestPiece) buffers.piece = Buffer.allocUnsafe(Math.max(largestPiece, LANE_BUFFER_BYTES));
  const verifier = (buffers.verifier ??= packVerifier());
  const digest = Buffer.alloc(32);
  const { blobs, ids } = blobColumns(indexed, order);
  const status = Buffer.alloc(n);
  const last = pieces[pieces.length - 1]!;
  let readByFile = false;
  if (path !== undefined) {
    const plan = new Float64Array(pieces.flatMap((p) => [p.start, p.stop, p.first, p.last]));
    try {
      await verifyPackFile(verifier, key, { path, pieces: plan, blobs, ids, piece: buffers.piece, plain: buffers.plain, out: status, digest });
      readByFile = true;
    } catch (err) {
      // unreadable here: read again through the backend, which names the failure
      if ((err as { code?: unknown }).code !== PACK_FILE_READ_ERROR) throw err;
      status.fill(0);
    }
  }
  if (!readByFile) {
    for (const [k, p] of pieces.entries()) {
      const bytes = buffers.piece.subarray(0, p.stop - p.start);
      if (bytes.length > 0) await read(p.start, bytes);
      // blobs are decrypted in place: the header (after the last blob) is read from the last piece later
      for (let b = p.first; b < p.last; b++) blobs[b * 3]! -= p.start;
      const hashStep = (k === 0 ? PACK_HASH_FIRST : 0) | (k === pieces.length - 1 ? PACK_HASH_LAST : 0);
      const piece = { pack: bytes, blobs: blobs.subarray(p.first * 3, p.last * 3), ids: ids.subarray(p.first * 32, p.last * 32), out: status.subarray(p.first, p.last) };
      await verifyPackBlobs(verifier, key, { ...piece, plain: buffers.plain, hashStep, digest });
    }
  }
  // the header: the pack's last bytes, after its last blob, left as read in the last piece
  const problems: PackProblem[] = [];
  const mismatched = headerMismatches(key, version, packId, buffers.piece.subarray(0, size - last.start), size, indexed, order, problems);
  if (status.some((s) => s !== 0) || !mismatched || digest.toString('hex') !== packId) return { sound: false, problems: [] };
  addHeaderMismatches(packId, indexed, mismatched, problems);
  return { sound: true, problems };
}

/** A problem for each index entry marked in `mismatched`. */
function addHeaderMismatches(packId: Id, indexed: CompactPack, mismatched: Uint8Array, problems: PackProblem[]): void {
  for (let i = 0; i < indexed.count; i++) if (mismatched[i]) problems.push(headerMismatch(packId, packBlob(indexed, i)));
}

/*
 * The loops over a pack's blobs live in small functions of their own: in verifyPackInPieces (a
 * large async function called once per pack) they made V8 compile the whole of it twice, on-stack
 * replacement first: 154 ms of compile jobs (--trace-opt) per check of /usr/share's repository.
 */

/** Where the blobs end, and the largest sealed and plain blob; undefined when two overlap. */
function blobsLayout(indexed: CompactPack, order: readonly number[]): { end: number; largestSealed: number; largestPlain: number } | undefined {
  let end = 0;
  let largestSealed = 0;
  let largestPlain = 0;
  for (const i of order) {
    if (indexed.offsets[i]! < end) return undefined;
    end = indexed.offsets[i]! + indexed.lengths[i]!;
    largestSealed = Math.max(largestSealed, indexed.lengths[i]!);
    largestPlain = Math.max(largestPlain, indexed.uncompressedLengths[i]!);
  }
  return { end, largestSealed, largestPlain };
}

/** The blobs in pack order for the addon: offset, length, uncompressed length (Float64), and their IDs. */
function blobColumns(indexed: CompactPack, order: readonly number[]): { blobs: Float64Array; ids: Buffer } {
  const n = order.length;
  const blobs = new Float64Array(n * 3);
  const ids = Buffer.allocUnsafe(n * 32);
  for (let b = 0; b < n; b++) {
    const i = order[b]!;
    blobs[b * 3] = indexed.offsets[i]!;
    blobs[b * 3 + 1] = indexed.lengths[i]!;
    blobs[b * 3 + 2] = indexed.uncompressedLengths[i]!;
    indexed.ids.copy(ids, b * 32, i * 32, i * 32 + 32);
  }
  return { blobs, ids };
}

interface Piece {
  /** Bytes [start, stop) of the pack. */
  start: number;
  stop: number;
  /** The blobs it holds: order[first, last). */
  first: number;
  last: number;
}

/** Pieces of at most `limit` bytes, cut between blobs (`order`: the blobs by offset; `end`: where the last ends). */
function planPieces(indexed: CompactPack, order: readonly number[], size: number, end: number, limit: number): Piece[] {
  const n = order.length;
  const pieces: Piece[] = [];
  let start = 0;
  let first = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (k > first && indexed.offsets[i]! + indexed.lengths[i]! - start > limit) {
      pieces.push({ start, stop: indexed.offsets[i]!, first, last: k });
      start = indexed.offsets[i]!;
      first = k;
    }
  }
  if (size - start > limit && n > first) {
    pieces.push({ start, stop: end, first, last: n });
    pieces.push({ start: end, stop: size, first: n, last: n });
  } else {
    pieces.push({ start, stop: size, first, last: n });
  }
  return pieces;
}
