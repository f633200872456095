/**
 * An append-only store of byte strings (paths, content IDs) for restore plans: the bytes live in
 * a few large chunks and each entry is three numbers in typed arrays, instead of one Buffer per
 * entry. Small Buffers are cut from Node's shared 8 KiB pool, so a long-lived one keeps its whole
 * pool slab alive (tens of MB for a plan with tens of thousands of paths).
 *
 *   append(bytes): copy into the current chunk (a new chunk when it does not fit; an entry
 *                  larger than a chunk gets a chunk of its own), record (chunk, start, length)
 *   get(entry):    a view into the chunk (no copy)
 */
import { grow } from './typed-columns.js';

const CHUNK_BYTES = 256 * 1024;

export class ByteArena {
  private readonly chunks: Buffer[] = [];
  /** Bytes used in the last chunk. */
  private used = CHUNK_BYTES;
  private count = 0;
  private chunkOf = new Uint32Array(256);
  private startOf = new Uint32Array(256);
  private lengthOf = new Uint32Array(256);

  get entries(): number {
    return this.count;
  }

  /** Copies `bytes` in; returns the entry number (0, 1, 2, … in order of appending). */
  append(bytes: Uint8Array): number {
    const n = this.count;
    if (n === this.chunkOf.length) {
      this.chunkOf = grow(this.chunkOf);
      this.startOf = grow(this.startOf);
      this.lengthOf = grow(this.lengthOf);
    }
    let last = this.chunks.length - 1;
    if (last < 0 || this.used + bytes.length > this.chunks[last]!.length) {
      this.chunks.push(Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes.length)));
      last++;
      this.used = 0;
    }
    this.chunks[last]!.set(bytes, this.used);
    this.chunkOf[n] = last;
    this.startOf[n] = this.used;
    this.lengthOf[n] = bytes.length;
    this.used += bytes.length;
    this.count++;
    return n;
  }

  /** The bytes of an entry: a view into the arena, valid as long as the arena. */
  get(entry: number): Buffer {
    if (!(entry >= 0 && entry < this.count)) throw new RangeError(`no arena entry ${entry}`);
    const start = this.startOf[entry]!;
    return this.chunks[this.chunkOf[entry]!]!.subarray(start, start + this.lengthOf[entry]!);
  }
}
