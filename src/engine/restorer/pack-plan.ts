/**
 * Which blob goes where, grouped by pack: one row per blob occurrence (a blob at an offset of a
 * file) in typed-array columns, chained per pack, instead of one object per occurrence.
 *
 *   add(pack, file, fileOffset, location): append a row, link it into the pack's chain
 *   rows(pack): the pack's rows, ordered by the blob's offset in the pack
 *   spans(rows, max): consecutive runs of rows whose blobs one read of at most `max` bytes
 *                     covers and whose compressed blobs decompress to at most `max` bytes (a
 *                     larger blob is a span of its own); rows of one blob stay together
 */
import type { Id } from '../../core/index.js';
import { grow } from './typed-columns.js';

/** Where a blob is stored, as the index says. */
export interface PlannedBlob {
  id: Id;
  packId: Id;
  offset: number;
  length: number;
  uncompressedLength: number;
}

/**
 * Rows [from, to) of a pack's ordered rows, read as bytes [start, end) of the pack; `plain`: the
 * uncompressed bytes of its compressed blobs (each blob once).
 */
export interface Span {
  from: number;
  to: number;
  start: number;
  end: number;
  plain: number;
}

export class PackPlan {
  private readonly packIds: Id[] = [];
  private readonly packNumbers = new Map<Id, number>();
  /** Per pack: its first and last row (chained through `next`), -1 when none. */
  private heads = new Int32Array(64).fill(-1);
  private tails = new Int32Array(64).fill(-1);
  private count = 0;
  private files = new Uint32Array(1024);
  private fileOffsets = new Float64Array(1024);
  private blobOffsets = new Uint32Array(1024);
  private lengths = new Uint32Array(1024);
  private plainLengths = new Uint32Array(1024);
  private ids = new Uint8Array(1024 * 32);
  private next = new Int32Array(1024);

  /** Packs in the order they were first needed. */
  get packs(): readonly Id[] {
    return this.packIds;
  }

  get rowCount(): number {
    return this.count;
  }

  /** Plans writing `blob` to `file` at `fileOffset`. */
  add(file: number, fileOffset: number, blob: PlannedBlob): void {
    const pack = this.packNumber(blob.packId);
    const r = this.count;
    if (r === this.files.length) this.growRows();
    this.files[r] = file;
    this.fileOffsets[r] = fileOffset;
    this.blobOffsets[r] = blob.offset;
    this.lengths[r] = blob.length;
    this.plainLengths[r] = blob.uncompressedLength;
    Buffer.from(this.ids.buffer, this.ids.byteOffset, this.ids.length).write(blob.id, r * 32, 32, 'hex');
    this.next[r] = -1;
    if (this.tails[pack]! >= 0) this.next[this.tails[pack]!] = r;
    else this.heads[pack] = r;
    this.tails[pack] = r;
    this.count++;
  }

  private packNumber(packId: Id): number {
    let p = this.packNumbers.get(packId);
    if (p === undefined) {
      p = this.packIds.length;
      this.packIds.push(packId);
      this.packNumbers.set(packId, p);
      if (p === this.heads.length) {
        const old = this.heads.length;
        this.heads = grow(this.heads).fill(-1, old);
        this.tails = grow(this.tails).fill(-1, old);
      }
    }
    return p;
  }

  private growRows(): void {
    this.files = grow(this.files);
    this.fileOffsets = grow(this.fileOffsets);
    this.blobOffsets = grow(this.blobOffsets);
    this.lengths = grow(this.lengths);
    this.plainLengths = grow(this.plainLengths);
    this.ids = grow(this.ids);
    this.next = grow(this.next);
  }

  /** The rows of pack number `pack` (an index into `packs`) that `keep` accepts, by offset in the pack. */
  rows(pack: number, keep: (row: number) => boolean = () => true): number[] {
    const out: number[] = [];
    for (let r = this.heads[pack] ?? -1; r >= 0; r = this.next[r]!) if (keep(r)) out.push(r);
    return out.sort((a, b) => this.blobOffsets[a]! - this.blobOffsets[b]!);
  }

  /**
   * Splits ordered rows into spans of whole blobs of at most `maxBytes` read and at most
   * `maxBytes` decompressed (a larger blob alone).
   */
  spans(rows: readonly number[], maxBytes: number): Span[] {
    const out: Span[] = [];
    let i = 0;
    while (i < rows.length) {
      const start = this.blobOffsets[rows[i]!]!;
      let end = start + this.lengths[rows[i]!]!;
      let plain = this.plainLengths[rows[i]!]!;
      let j = i + 1;
      while (j < rows.length) {
        const r = rows[j]!;
        const sameBlob = this.blobOffsets[r] === this.blobOffsets[rows[j - 1]!];
        const rEnd = Math.max(end, this.blobOffsets[r]! + this.lengths[r]!);
        const rPlain = sameBlob ? plain : plain + this.plainLengths[r]!;
        if (!sameBlob && (rEnd - start > maxBytes || rPlain > maxBytes)) break;
        end = rEnd;
        plain = rPlain;
        j++;
      }
      out.push({ from: i, to: j, start, end, plain });
      i = j;
    }
    return out;
  }

  file(row: number): number {
    return this.files[row]!;
  }

  fileOffset(row: number): number {
    return this.fileOffsets[row]!;
  }

  /** Offset of the row's blob in its pack. */
  blobOffset(row: number): number {
    return this.blobOffsets[row]!;
  }

  /** Stored (encrypted) length of the row's blob. */
  length(row: number): number {
    return this.lengths[row]!;
  }

  /** Uncompressed length of the row's blob (0: stored uncompressed). */
  uncompressedLength(row: number): number {
    return this.plainLengths[row]!;
  }

  /** The row's blob ID as 32 bytes into `target` at `at`. */
  copyBlobId(row: number, target: Uint8Array, at: number): void {
    target.set(this.ids.subarray(row * 32, row * 32 + 32), at);
  }

  blobId(row: number): Id {
    return Buffer.from(this.ids.buffer, this.ids.byteOffset + row * 32, 32).toString('hex') as Id;
  }
}
