/**
 * The result of the addon's scanDir read in place: one buffer holding the entry count, each
 * entry's lstat fields (16 × 8 bytes, indices in STAT), its lstat errno, and the names' ends and
 * bytes. Nothing is copied per entry.
 */
import { load } from './addon.js';
import { errnoError } from './errno-error.js';

/** A directory's entries, sorted by name bytes, with the lstat of each (see scanDir). */
export class DirScan {
  readonly count: number;
  /** Bytes the listing holds. */
  readonly byteLength: number;
  private readonly stats: BigUint64Array;
  private readonly errnos: Int32Array;
  private readonly ends: Uint32Array;
  private readonly names: Buffer;
  private released = false;

  constructor(
    private readonly dir: Uint8Array,
    private readonly buffer: ArrayBuffer,
  ) {
    const count = new Uint32Array(buffer, 0, 1)[0]!;
    this.count = count;
    this.byteLength = buffer.byteLength;
    let at = 8;
    this.stats = new BigUint64Array(buffer, at, count * 16);
    at += count * 128;
    this.errnos = new Int32Array(buffer, at, count);
    at += count * 4;
    this.ends = new Uint32Array(buffer, at, count);
    this.names = Buffer.from(buffer, at + count * 4);
  }

  /**
   * Frees the listing now (freeArrayBuffer); it is not read again. Names and stat fields taken
   * from it before are views: copy what must outlive it.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    load().freeArrayBuffer(this.buffer);
  }

  /** The raw name of entry `i` (a view into the scan). */
  name(i: number): Buffer {
    return this.names.subarray(i === 0 ? 0 : this.ends[i - 1], this.ends[i]);
  }

  /** True when entry `i`'s lstat worked (its fields are in `stat`). */
  ok(i: number): boolean {
    return this.errnos[i] === 0;
  }

  /** Entry `i`'s lstat, fields as lstatInto's (indices in STAT), a view into the scan. */
  stat(i: number): BigUint64Array {
    return this.stats.subarray(i * 16, i * 16 + 16);
  }

  /** The error of entry `i`'s lstat, as fs.lstatSync would have thrown it. */
  error(i: number): NodeJS.ErrnoException {
    const name = this.name(i);
    const path = this.dir.length === 1 && this.dir[0] === 0x2f ? Buffer.concat([this.dir, name]) : Buffer.concat([this.dir, Buffer.from('/'), name]);
    return errnoError(this.errnos[i]!, 'lstat', path);
  }
}
