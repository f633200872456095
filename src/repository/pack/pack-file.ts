/**
 * Builds pack files in temporary files instead of memory, as restic does: each sealed blob is
 * written to an anonymous temporary file (created in the temp directory and unlinked at once,
 * so nothing is left behind when the process dies) and hashed as it goes. A finished pack is
 * handed over as an open file descriptor; whoever uploads it reads it back into one reused
 * buffer and closes the descriptor.
 *
 *   addBlob: compress into scratch (after room for the IV) → seal in place → write + hash
 *   finish:  seal the header, append its LE32 length, the pack ID is the hash of all bytes
 *
 * Memory: one scratch buffer of the largest sealed blob seen (grown on demand), instead of a
 * pack-sized buffer per pack in flight. The extra write and read-back of each pack through the
 * page cache costs about 0.25 ms of system time per MiB (measured, see docs/performance.md).
 */
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Id } from '../../core/index.js';
import { compressBound, compressInto } from '../compression.js';
import { CIPHERTEXT_OVERHEAD, type CryptoKey, sealInto } from '../crypto/index.js';
import { type BlobType, type PackBlob, PACK_HEADER_OVERHEAD, encodePackHeader, entrySize } from './header.js';
import { PACK_BUFFER_SIZE, TARGET_PACK_SIZE } from './pack-builder.js';

/** A finished pack in an (unlinked) temporary file: the receiver reads `length` bytes from `fd` and closes it. */
export interface PackFile {
  id: Id;
  fd: number;
  length: number;
  blobs: PackBlob[];
}

/** Opens an anonymous read-write temporary file (already unlinked). */
export function openAnonymousFile(dir = tmpdir()): number {
  for (let attempt = 0; ; attempt++) {
    const path = join(dir, `lifeboat-pack-${process.pid}-${randomBytes(8).toString('hex')}`);
    let fd: number;
    try {
      fd = openSync(path, 'wx+', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 8) continue;
      throw err;
    }
    try {
      unlinkSync(path);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return fd;
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done);
}

export class PackFileWriter {
  private fd = -1;
  private pos = 0;
  private headerBytes = 0;
  private blobs: PackBlob[] = [];
  private hash: Hash | undefined;
  /** Holds one sealed blob at a time. */
  private scratch: Buffer;

  /**
   * @param level zstd level, or 0 to store blobs uncompressed (repository v1, `--compression off`).
   * @param onPack receives each finished pack (and owns its descriptor from then on).
   * @param scratchSize initial scratch size; it grows to the largest blob.
   */
  constructor(
    private readonly key: CryptoKey,
    private readonly level: number,
    private readonly onPack: (pack: PackFile) => void,
    scratchSize = 1024 * 1024,
    private readonly dir = tmpdir(),
  ) {
    this.scratch = Buffer.allocUnsafe(scratchSize);
  }

  get size(): number {
    return this.pos;
  }

  get blobCount(): number {
    return this.blobs.length;
  }

  get full(): boolean {
    return this.pos >= TARGET_PACK_SIZE;
  }

  private room(n: number): Buffer {
    if (this.scratch.length < n) this.scratch = Buffer.allocUnsafe(Math.max(n, Math.min(this.scratch.length * 2, 16 * 1024 * 1024)));
    return this.scratch;
  }

  /**
   * Compresses (when it makes the blob smaller), seals and appends a blob. When the blob would
   * make the pack larger than a pack buffer, the current pack is finished first; when the pack
   * reaches the target size, it is finished after the blob. Returns the blob's bytes in the pack.
   */
  addBlob(type: BlobType, id: Id, plaintext: Uint8Array): number {
    let payload: Uint8Array = plaintext;
    let uncompressedLength = 0;
    let out: Buffer;
    if (this.level > 0 && plaintext.length > 0) {
      const bound = compressBound(plaintext.length);
      out = this.room(bound + CIPHERTEXT_OVERHEAD);
      const n = compressInto(plaintext, out.subarray(16, 16 + bound), this.level);
      if (n < plaintext.length) {
        payload = out.subarray(16, 16 + n);
        uncompressedLength = plaintext.length;
      }
    } else {
      out = this.room(plaintext.length + CIPHERTEXT_OVERHEAD);
    }
    // in place when compressed: the payload sits exactly where the ciphertext goes
    const length = sealInto(this.key, payload, out, 0);
    const entry = entrySize(uncompressedLength);
    if (this.blobs.length > 0 && this.pos + length + this.headerBytes + entry + PACK_HEADER_OVERHEAD > PACK_BUFFER_SIZE) this.finish();
    if (this.fd < 0) {
      this.fd = openAnonymousFile(this.dir);
      this.hash = createHash('sha256');
    }
    const sealed = out.subarray(0, length);
    writeAll(this.fd, sealed);
    this.hash!.update(sealed);
    this.blobs.push({ type, id, offset: this.pos, length, uncompressedLength });
    this.pos += length;
    this.headerBytes += entry;
    if (this.full) this.finish();
    return length;
  }

  /** Finishes the open pack (if it holds blobs) and hands it to `onPack`. */
  finish(): void {
    if (this.blobs.length === 0) return;
    const header = encodePackHeader(this.blobs);
    // not the scratch: it may hold the sealed blob that is to open the next pack
    const out = Buffer.allocUnsafe(header.length + CIPHERTEXT_OVERHEAD + 4);
    const headerLength = sealInto(this.key, header, out, 0);
    out.writeUInt32LE(headerLength, headerLength);
    const tail = out.subarray(0, headerLength + 4);
    writeAll(this.fd, tail);
    this.hash!.update(tail);
    const pack: PackFile = { id: this.hash!.digest('hex') as Id, fd: this.fd, length: this.pos + tail.length, blobs: this.blobs };
    this.fd = -1;
    this.hash = undefined;
    this.pos = 0;
    this.headerBytes = 0;
    this.blobs = [];
    this.onPack(pack);
  }

  /** Drops the open pack (its temporary file disappears with the descriptor). */
  discard(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.hash = undefined;
    this.pos = 0;
    this.headerBytes = 0;
    this.blobs = [];
  }
}
