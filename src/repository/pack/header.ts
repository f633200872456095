/**
 * Pack header entries (spec 6.2): the plaintext of a pack's encrypted header lists its blobs
 * in file order; offsets are implicit (running sum of encrypted lengths).
 */
import { FormatError, idFromBytes, type Id } from '../../core/index.js';
import { blobRangeProblem } from '../model/index.js';

export type BlobType = 'data' | 'tree';

export interface PackBlob {
  type: BlobType;
  id: Id;
  offset: number;
  /** Encrypted length in the pack (payload + 32). */
  length: number;
  /** Plaintext length for compressed blobs; 0 = stored uncompressed. */
  uncompressedLength: number;
}

export const ENTRY_SIZE_PLAIN = 37;
export const ENTRY_SIZE_COMPRESSED = 41;
/** Bytes a pack needs beyond its blobs and entries: header IV + MAC (32) and the length field (4). */
export const PACK_HEADER_OVERHEAD = 36;
export const MAX_HEADER_SIZE = 16 * 1024 * 1024;

export function entrySize(uncompressedLength: number): number {
  return uncompressedLength > 0 ? ENTRY_SIZE_COMPRESSED : ENTRY_SIZE_PLAIN;
}

/** Parses a decrypted header. `repoVersion` 1 refuses compressed entries. */
export function parsePackHeader(plain: Uint8Array, repoVersion: number, packName: string): PackBlob[] {
  const blobs: PackBlob[] = [];
  const view = new DataView(plain.buffer, plain.byteOffset, plain.byteLength);
  let pos = 0;
  let offset = 0;
  while (pos < plain.length) {
    const t = plain[pos]!;
    if (t > 3) throw new FormatError(`pack ${packName}: header entry ${blobs.length} has unknown type ${t}`);
    const compressed = t >= 2;
    if (compressed && repoVersion < 2) {
      throw new FormatError(`pack ${packName}: compressed blob in a version ${repoVersion} repository`);
    }
    const size = compressed ? ENTRY_SIZE_COMPRESSED : ENTRY_SIZE_PLAIN;
    if (pos + size > plain.length) throw new FormatError(`pack ${packName}: header entry ${blobs.length} is truncated`);
    const length = view.getUint32(pos + 1, true);
    const uncompressedLength = compressed ? view.getUint32(pos + 5, true) : 0;
    if (compressed && uncompressedLength === 0) {
      throw new FormatError(`pack ${packName}: compressed blob with uncompressed length 0`);
    }
    const idStart = pos + (compressed ? 9 : 5);
    const id = idFromBytes(plain.subarray(idStart, idStart + 32));
    const problem = blobRangeProblem(offset, length, uncompressedLength);
    if (problem !== undefined) throw new FormatError(`pack ${packName}: header entry for blob ${id}: ${problem}`);
    blobs.push({
      type: (t & 1) === 1 ? 'tree' : 'data',
      id,
      offset,
      length,
      uncompressedLength,
    });
    offset += length;
    pos += size;
  }
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
    const idStart = pos + (compressed ? 9 : 5);
    out.write(b.id, idStart, 32, 'hex');
    pos = idStart + 32;
  }
  return out;
}

/** The size a pack holding exactly these blobs must have (what `restic check` recomputes). */
export function expectedPackSize(blobs: Iterable<{ length: number; uncompressedLength: number }>): number {
  let size = PACK_HEADER_OVERHEAD;
  for (const b of blobs) size += b.length + entrySize(b.uncompressedLength);
  return size;
}
