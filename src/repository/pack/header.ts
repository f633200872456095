/**
 * Pack header entries (spec 6.2): the plaintext of a pack's encrypted header lists its blobs
 * in file order; offsets are implicit (running sum of encrypted lengths).
 */
import { FormatError, IntegrityError, idFromBytes, type Id } from '../../core/index.js';
import { CIPHERTEXT_OVERHEAD } from '../crypto/index.js';
import { blobRangeProblem } from '../model/index.js';

export type BlobType = 'data' | 'tree';

export interface PackBlob {
  type: BlobType;
  id: Id;
  offset: number;
  /** Encrypted length in the pack (payload + CIPHERTEXT_OVERHEAD). */
  length: number;
  /** Plaintext length for compressed blobs; 0 = stored uncompressed. */
  uncompressedLength: number;
}

/*
 * The one definition of the pack format's sizes. The native file lane (native/pack-format.h)
 * mirrors them; test/compat/pack-writers.test.ts fails when the two disagree.
 */
/** Bytes of the blob ID in a header entry. */
export const ENTRY_ID_SIZE = 32;
/** Header entry of an uncompressed blob: type (1), encrypted length (LE32), ID. */
export const ENTRY_SIZE_PLAIN = 1 + 4 + ENTRY_ID_SIZE;
/** Header entry of a compressed blob: type (1), encrypted length (LE32), plaintext length (LE32), ID. */
export const ENTRY_SIZE_COMPRESSED = 1 + 4 + 4 + ENTRY_ID_SIZE;
/** Bytes a pack needs beyond its blobs and entries: header IV + MAC and the LE32 length field. */
export const PACK_HEADER_OVERHEAD = CIPHERTEXT_OVERHEAD + 4;
export const MAX_HEADER_SIZE = 16 * 1024 * 1024;
/** restic's default target pack size (0.14+): a writer finishes a pack once it holds this much. */
export const TARGET_PACK_SIZE = 16 * 1024 * 1024;
/**
 * The largest pack a writer makes from blobs that fit (target plus room for the header): a blob
 * that would cross it closes the pack first, so a pack holding a maximum-size blob may end below
 * the target.
 */
export const PACK_BUFFER_SIZE = TARGET_PACK_SIZE + 1024 * 1024;

export function entrySize(uncompressedLength: number): number {
  return uncompressedLength > 0 ? ENTRY_SIZE_COMPRESSED : ENTRY_SIZE_PLAIN;
}

/** Plaintext length of a blob stored in `length` encrypted bytes (`uncompressedLength` 0 = stored uncompressed). */
export function blobPlaintextLength(length: number, uncompressedLength: number): number {
  return uncompressedLength > 0 ? uncompressedLength : length - CIPHERTEXT_OVERHEAD;
}

/**
 * Walks a decrypted header, checking each entry (a known type, whole, a compressed one only in
 * version 2, lengths in range, ending by `blobsEnd` when given), and calls `fn` per entry with
 * its ID's position in `plain`: no object per entry. `repoVersion` 1 refuses compressed entries.
 * Throws FormatError (IntegrityError for an entry beyond `blobsEnd`).
 */
export function forEachCheckedEntry(
  plain: Uint8Array,
  repoVersion: number,
  packName: string,
  fn: (type: BlobType, idAt: number, offset: number, length: number, uncompressedLength: number) => void,
  blobsEnd = Infinity,
): void {
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  let pos = 0;
  let offset = 0;
  for (let n = 0; pos < plain.length; n++) {
    const t = plain[pos]!;
    if (t > 3) throw new FormatError(`pack ${packName}: header entry ${n} has unknown type ${t}`);
    const compressed = t >= 2;
    if (compressed && repoVersion < 2) {
      throw new FormatError(`pack ${packName}: compressed blob in a version ${repoVersion} repository`);
    }
    const size = compressed ? ENTRY_SIZE_COMPRESSED : ENTRY_SIZE_PLAIN;
    if (pos + size > plain.length) throw new FormatError(`pack ${packName}: header entry ${n} is truncated`);
    const length = view.getUint32(pos + 1, true);
    const uncompressedLength = compressed ? view.getUint32(pos + 5, true) : 0;
    if (compressed && uncompressedLength === 0) {
      throw new FormatError(`pack ${packName}: compressed blob with uncompressed length 0`);
    }
    const idAt = pos + size - ENTRY_ID_SIZE;
    const problem = blobRangeProblem(offset, length, uncompressedLength);
    if (problem !== undefined) throw new FormatError(`pack ${packName}: header entry for blob ${idFromBytes(plain.subarray(idAt, idAt + ENTRY_ID_SIZE))}: ${problem}`);
    if (offset + length > blobsEnd) {
      const id = idFromBytes(plain.subarray(idAt, idAt + ENTRY_ID_SIZE));
      throw new IntegrityError(`pack ${packName}: header entry for blob ${id} ends at byte ${offset + length}, beyond the ${blobsEnd} bytes of blobs in the file`);
    }
    fn((t & 1) === 1 ? 'tree' : 'data', idAt, offset, length, uncompressedLength);
    offset += length;
    pos += size;
  }
}

/** Parses a decrypted header into objects (see forEachCheckedEntry). */
export function parsePackHeader(plain: Uint8Array, repoVersion: number, packName: string, blobsEnd = Infinity): PackBlob[] {
  const blobs: PackBlob[] = [];
  forEachCheckedEntry(
    plain,
    repoVersion,
    packName,
    (type, idAt, offset, length, uncompressedLength) => blobs.push({ type, id: idFromBytes(plain.subarray(idAt, idAt + ENTRY_ID_SIZE)), offset, length, uncompressedLength }),
    blobsEnd,
  );
  return blobs;
}

/** Encodes header entries for blobs in file order. */
export function encodePackHeader(blobs: readonly PackBlob[]): Buffer {
  let size = 0;
  for (const b of blobs) size += entrySize(b.uncompressedLength);
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const b of blobs) {
    const compressed = b.uncompressedLength > 0;
    out[pos] = (compressed ? 2 : 0) | (b.type === 'tree' ? 1 : 0);
    out.writeUInt32LE(b.length, pos + 1);
    if (compressed) out.writeUInt32LE(b.uncompressedLength, pos + 5);
    const idStart = pos + entrySize(b.uncompressedLength) - ENTRY_ID_SIZE;
    out.write(b.id, idStart, ENTRY_ID_SIZE, 'hex');
    pos = idStart + ENTRY_ID_SIZE;
  }
  return out;
}

/** The size a pack holding exactly these blobs must have (what `restic check` recomputes). */
export function expectedPackSize(blobs: Iterable<{ length: number; uncompressedLength: number }>): number {
  let size = PACK_HEADER_OVERHEAD;
  for (const b of blobs) size += b.length + entrySize(b.uncompressedLength);
  return size;
}
