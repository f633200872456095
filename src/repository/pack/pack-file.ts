/**
 * The one TypeScript writer of the pack format (the native file lane, native/lane.c, is the
 * other; test/compat/pack-writers.test.ts proves both write the same bytes for the same blobs).
 * Builds pack files in temporary files instead of memory, as restic does: each sealed blob is
 * written to an anonymous temporary file (created in the temp directory and unlinked at once,
 * so nothing is left behind when the process dies) and hashed as it goes. A finished pack is
 * handed over as an open file descriptor; whoever uploads it reads it back into one reused
 * buffer and closes the descriptor.
 *
 *   addBlob:       compress into scratch (after room for the IV) → seal in place → write + hash
 *   addSealedBlob: an already encrypted blob (prune copies blobs from old packs) → write + hash
 *   finish:        seal the header, append its LE32 length, the pack ID is the hash of all bytes
 *
 * Memory: one scratch buffer of the largest sealed blob seen (grown on demand), instead of a
 * pack-sized buffer per pack in flight. The extra write and read-back of each pack through the
 * page cache costs about 0.25 ms of system time per MiB (measured, see docs/performance.md).
 */
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Id, errnoCode } from '../../core/index.js';
import { nativeAvailable, openTmpfile, releasePages } from '../../native/index.js';
import { compressBound, compressInto } from '../compression.js';
import { CIPHERTEXT_OVERHEAD, type CryptoKey, IV_LENGTH, sealInto, sealIntoWithIv } from '../crypto/index.js';
import {
  type BlobType,
  type PackBlob,
  ENTRY_ID_SIZE,
  ENTRY_SIZE_COMPRESSED,
  PACK_BUFFER_SIZE,
  PACK_HEADER_OVERHEAD,
  TARGET_PACK_SIZE,
  entrySize,
  forEachCheckedEntry,
  parsePackHeader,
} from './header.js';

/**
 * A finished pack in an (unlinked) temporary file: the receiver reads `length` bytes from `fd`
 * and closes it. `header` holds the plaintext header entries (spec 6.2: type, length,
 * uncompressed length, ID; offsets implicit), not one object per blob.
 */
export interface PackFile {
  id: Id;
  fd: number;
  length: number;
  header: Uint8Array;
  blobCount: number;
}

/**
 * Calls `fn` for each entry of plaintext pack header entries; `idAt` is the offset of its 32-byte
 * ID in `header`. The walk is header.ts's, whose checks a header written here always passes.
 */
export function forEachHeaderEntry(header: Uint8Array, fn: (type: BlobType, idAt: number, offset: number, length: number, uncompressedLength: number) => void): void {
  forEachCheckedEntry(header, 2, 'being written', fn);
}

/** The blobs of a pack file as objects (tests, diagnostics). */
export function packFileBlobs(pack: Pick<PackFile, 'header'>): PackBlob[] {
  return parsePackHeader(pack.header, 2, 'being written');
}

/** open(2) errors meaning "no O_TMPFILE here": a named file, unlinked at once, instead. */
const NO_TMPFILE = new Set(['EOPNOTSUPP', 'ENOTSUP', 'EISDIR', 'EINVAL']);

/**
 * Opens an anonymous read-write temporary file in `dir`: with O_TMPFILE where the addon and the
 * file system have it (such a file can be linked into a repository later: Backend.packFileDir),
 * else created under a random name and unlinked at once.
 */
export function openAnonymousFile(dir = tmpdir()): number {
  if (nativeAvailable()) {
    try {
      return openTmpfile(dir);
    } catch (err) {
      if (!NO_TMPFILE.has(errnoCode(err) ?? '')) throw err;
    }
  }
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
  /** Plaintext header entries of the blobs so far. */
  private entries = Buffer.allocUnsafe(4096);
  private entryBytes = 0;
  private count = 0;
  private hash: Hash | undefined;
  /** Holds one sealed blob at a time. */
  private scratch: Buffer;
  /** Bytes of `scratch` written since the last `releaseScratch` (its resident part). */
  private scratchHigh = 0;

  /**
   * @param level zstd level, or 0 to store blobs uncompressed (repository v1, `--compression off`).
   * @param onPack receives each finished pack (and owns its descriptor from then on).
   * @param scratchSize initial scratch size; it grows to the largest blob.
   * @param nextIv tests only: gives the IV for each seal (blobs and headers, in order) instead
   *   of a random one, so that two writers' packs can be compared byte for byte.
   */
  constructor(
    private readonly key: CryptoKey,
    private readonly level: number,
    private readonly onPack: (pack: PackFile) => void,
    scratchSize = 1024 * 1024,
    private readonly dir = tmpdir(),
    private readonly nextIv?: () => Uint8Array,
  ) {
    this.scratch = Buffer.allocUnsafe(scratchSize);
  }

  get size(): number {
    return this.pos;
  }

  get blobCount(): number {
    return this.count;
  }

  get full(): boolean {
    return this.pos >= TARGET_PACK_SIZE;
  }

  private room(n: number): Buffer {
    if (this.scratch.length < n) this.scratch = Buffer.allocUnsafe(Math.max(n, Math.min(this.scratch.length * 2, 16 * 1024 * 1024)));
    return this.scratch;
  }

  /**
   * Compresses (when it makes the blob smaller, or always with `alwaysCompress`), seals and
   * appends a blob. When the blob would make the pack larger than a pack buffer, the current pack
   * is finished first; when the pack reaches the target size, it is finished after the blob.
   * Returns the blob's bytes in the pack. With level 0 nothing is compressed.
   */
  addBlob(type: BlobType, id: Id | Uint8Array, plaintext: Uint8Array, alwaysCompress = false): number {
    let payload: Uint8Array = plaintext;
    let uncompressedLength = 0;
    let out: Buffer;
    if (this.level > 0 && plaintext.length > 0) {
      const bound = compressBound(plaintext.length);
      out = this.room(bound + CIPHERTEXT_OVERHEAD);
      const n = compressInto(plaintext, out.subarray(IV_LENGTH, IV_LENGTH + bound), this.level);
      if (n < plaintext.length || alwaysCompress) {
        payload = out.subarray(IV_LENGTH, IV_LENGTH + n);
        uncompressedLength = plaintext.length;
      }
    } else {
      out = this.room(plaintext.length + CIPHERTEXT_OVERHEAD);
    }
    // in place when compressed: the payload sits exactly where the ciphertext goes
    const length = this.seal(payload, out, 0);
    // compression may have written up to the plaintext's length even when it did not pay
    this.scratchHigh = Math.max(this.scratchHigh, length, uncompressedLength > 0 ? length : this.level > 0 ? plaintext.length + IV_LENGTH : 0);
    this.append(type, id, out.subarray(0, length), uncompressedLength);
    return length;
  }

  /**
   * Appends a blob as it is stored in another pack (IV ‖ ciphertext ‖ MAC, copied without
   * re-encrypting; prune verifies it first), with the same rules for finishing packs as
   * `addBlob`. `uncompressedLength` is its header entry's (0 = stored uncompressed). Returns
   * the blob's bytes in the pack.
   */
  addSealedBlob(type: BlobType, id: Id | Uint8Array, sealed: Uint8Array, uncompressedLength: number): number {
    if (sealed.length < CIPHERTEXT_OVERHEAD) throw new RangeError(`addSealedBlob: ${sealed.length} bytes cannot be a sealed blob`);
    this.append(type, id, sealed, uncompressedLength);
    return sealed.length;
  }

  private seal(plaintext: Uint8Array, out: Buffer, outOffset: number): number {
    return this.nextIv ? sealIntoWithIv(this.key, plaintext, out, outOffset, this.nextIv()) : sealInto(this.key, plaintext, out, outOffset);
  }

  /** Writes a sealed blob into the open pack (finishing the pack before or after it as due). */
  private append(type: BlobType, id: Id | Uint8Array, sealed: Uint8Array, uncompressedLength: number): void {
    const length = sealed.length;
    const entry = entrySize(uncompressedLength);
    if (this.count > 0 && this.pos + length + this.entryBytes + entry + PACK_HEADER_OVERHEAD > PACK_BUFFER_SIZE) this.finish();
    if (this.fd < 0) {
      this.fd = openAnonymousFile(this.dir);
      this.hash = createHash('sha256');
    }
    writeAll(this.fd, sealed);
    this.hash!.update(sealed);
    this.addEntry(type, id, length, uncompressedLength);
    this.pos += length;
    if (this.full) this.finish();
  }

  private addEntry(type: BlobType, id: Id | Uint8Array, length: number, uncompressedLength: number): void {
    if (this.entryBytes + ENTRY_SIZE_COMPRESSED > this.entries.length) {
      const grown = Buffer.allocUnsafe(this.entries.length * 2);
      this.entries.copy(grown, 0, 0, this.entryBytes);
      this.entries = grown;
    }
    const e = this.entries;
    let pos = this.entryBytes;
    e[pos] = (uncompressedLength > 0 ? 2 : 0) | (type === 'tree' ? 1 : 0);
    e.writeUInt32LE(length, pos + 1);
    pos += 5;
    if (uncompressedLength > 0) {
      e.writeUInt32LE(uncompressedLength, pos);
      pos += 4;
    }
    if (typeof id === 'string') e.write(id, pos, ENTRY_ID_SIZE, 'hex');
    else e.set(id.subarray(0, ENTRY_ID_SIZE), pos);
    this.entryBytes = pos + ENTRY_ID_SIZE;
    this.count++;
  }

  /** Finishes the open pack (if it holds blobs) and hands it to `onPack`. */
  finish(): void {
    if (this.count === 0) return;
    // an exact copy: the receiver may keep it (and it crosses threads)
    const header = new Uint8Array(this.entryBytes);
    header.set(this.entries.subarray(0, this.entryBytes));
    // not the scratch: it may hold the sealed blob that is to open the next pack
    const out = Buffer.allocUnsafe(header.length + PACK_HEADER_OVERHEAD);
    const headerLength = this.seal(header, out, 0);
    out.writeUInt32LE(headerLength, headerLength);
    const tail = out.subarray(0, headerLength + 4);
    writeAll(this.fd, tail);
    this.hash!.update(tail);
    const pack: PackFile = { id: this.hash!.digest('hex') as Id, fd: this.fd, length: this.pos + tail.length, header, blobCount: this.count };
    this.fd = -1;
    this.hash = undefined;
    this.pos = 0;
    this.entryBytes = 0;
    this.count = 0;
    this.onPack(pack);
  }

  /**
   * Gives the scratch pages beyond `keep` bytes back to the kernel when a large blob touched
   * them (a maximum-size chunk makes the scratch 8 MiB, while most blobs need far less).
   */
  releaseScratch(keep: number): void {
    if (this.scratchHigh <= keep) return;
    releasePages(this.scratch, Math.min(keep, this.scratch.length));
    this.scratchHigh = keep;
  }

  /** Drops the open pack (its temporary file disappears with the descriptor). */
  discard(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.hash = undefined;
    this.pos = 0;
    this.entryBytes = 0;
    this.count = 0;
  }
}
