/**
 * Builds one pack file in a caller-owned buffer (pooled and reused: no allocation per blob).
 *
 *   addBlob: [compress into scratch] → seal (IV ‖ ciphertext ‖ MAC) at the end of the pack
 *   finish:  seal the header after the blobs, append its LE32 length, hash the whole pack
 *
 * Data and tree blobs go to different builders (spec 6.3). The builder refuses a blob that
 * would not fit so the caller can finish the pack first.
 */
import { type Id, sha256Id } from '../../core/index.js';
import { compressBound, compressInto } from '../compression.js';
import { CIPHERTEXT_OVERHEAD, type CryptoKey, sealInto } from '../crypto/index.js';
import { type BlobType, type PackBlob, encodePackHeader, entrySize } from './header.js';

/** restic's default target pack size (0.14+). */
export const TARGET_PACK_SIZE = 16 * 1024 * 1024;
/**
 * A pack buffer holds the target size plus room for the header; a blob that would not fit
 * closes the pack first (so a pack holding a maximum-size blob may end below the target).
 */
export const PACK_BUFFER_SIZE = TARGET_PACK_SIZE + 1024 * 1024;

export interface FinishedPack {
  id: Id;
  /** The pack file's bytes: a view into the builder's buffer, valid until `reset`. */
  bytes: Uint8Array;
  blobs: PackBlob[];
}

export class PackBuilder {
  private pos = 0;
  private headerBytes = 0;
  private blobs: PackBlob[] = [];

  /**
   * @param level zstd level for blobs, or 0 to store them uncompressed (repository v1 or
   *   `--compression off`).
   */
  constructor(
    private readonly key: CryptoKey,
    private buffer: Buffer,
    private readonly level: number,
  ) {}

  get size(): number {
    return this.pos;
  }

  get blobCount(): number {
    return this.blobs.length;
  }

  get full(): boolean {
    return this.pos >= TARGET_PACK_SIZE;
  }

  /** Worst-case bytes a blob of `length` plaintext bytes may need in this pack. */
  private worstCase(length: number): number {
    return (this.level > 0 ? Math.max(length, compressBound(length)) : length) + CIPHERTEXT_OVERHEAD;
  }

  /** True when a blob of `length` bytes fits without crossing the buffer's end. */
  fits(length: number): boolean {
    const header = this.headerBytes + 41 + CIPHERTEXT_OVERHEAD + 4;
    return this.pos + this.worstCase(length) + header <= this.buffer.length;
  }

  /**
   * Appends a blob; returns its bytes in the pack (encrypted length) or -1 if it does not fit.
   * The blob is compressed straight into the pack buffer, after the room for its IV, and then
   * encrypted in place: no intermediate buffer. It stays compressed only when that makes it
   * smaller (storing uncompressed in v2 is valid).
   */
  addBlob(type: BlobType, id: Id, plaintext: Uint8Array): number {
    if (!this.fits(plaintext.length)) return -1;
    let payload: Uint8Array = plaintext;
    let uncompressedLength = 0;
    if (this.level > 0 && plaintext.length > 0) {
      const start = this.pos + 16;
      const n = compressInto(plaintext, this.buffer.subarray(start, start + compressBound(plaintext.length)), this.level);
      if (n < plaintext.length) {
        payload = this.buffer.subarray(start, start + n);
        uncompressedLength = plaintext.length;
      }
    }
    const length = sealInto(this.key, payload, this.buffer, this.pos);
    this.blobs.push({ type, id, offset: this.pos, length, uncompressedLength });
    this.pos += length;
    this.headerBytes += entrySize(uncompressedLength);
    return length;
  }

  /**
   * Appends an already encrypted blob as it was stored in another pack (prune copies blobs
   * without re-encrypting them). Returns -1 if it does not fit.
   */
  addSealedBlob(type: BlobType, id: Id, sealed: Uint8Array, uncompressedLength: number): number {
    if (this.pos + sealed.length + this.headerBytes + entrySize(uncompressedLength) + CIPHERTEXT_OVERHEAD + 4 > this.buffer.length) return -1;
    this.buffer.set(sealed, this.pos);
    this.blobs.push({ type, id, offset: this.pos, length: sealed.length, uncompressedLength });
    this.pos += sealed.length;
    this.headerBytes += entrySize(uncompressedLength);
    return sealed.length;
  }

  /** Seals the header and hashes the pack. The builder must be `reset` before reuse. */
  finish(): FinishedPack {
    const header = encodePackHeader(this.blobs);
    const headerLength = sealInto(this.key, header, this.buffer, this.pos);
    let end = this.pos + headerLength;
    this.buffer.writeUInt32LE(headerLength, end);
    end += 4;
    const bytes = this.buffer.subarray(0, end);
    return { id: sha256Id(bytes), bytes, blobs: this.blobs };
  }

  /** Starts a new pack, optionally in another buffer (the old one may still be uploading). */
  reset(buffer?: Buffer): void {
    if (buffer) this.buffer = buffer;
    this.pos = 0;
    this.headerBytes = 0;
    this.blobs = [];
  }
}
