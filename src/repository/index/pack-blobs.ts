/**
 * The master index's blobs grouped by pack (check): which blobs each pack must hold, and so the
 * size its file must have, from the rows the master index already keeps. Four bytes per blob (its
 * row number) instead of a second copy of the index; a pack's entries become a CompactPack only
 * when that pack is read.
 *
 * Every copy of a blob counts (a blob stored in two packs is in both); a pack listed by several
 * index files holds the union of what they list, each blob once (restic's check also takes the
 * packs' sizes from the master index).
 */
import type { Id } from '../../core/index.js';
import { PACK_HEADER_OVERHEAD, entrySize } from '../pack/header.js';
import { type BlobTable, PACK_MASK } from './blob-table.js';
import type { CompactPack } from './compact-pack.js';

/** A further copy of a row's blob (MasterIndex's side map): the row, and where the copy is. */
export interface RowCopy {
  row: number;
  pack: number;
  offset: number;
  length: number;
  uncompressedLength: number;
}

export class PackBlobs {
  /** Pack n's entries are entries[starts[n], starts[n + 1]): a row, or rowCount + a copy's number. */
  private readonly starts: Uint32Array;
  private readonly entries: Uint32Array;
  private readonly rowCount: number;

  /** `table` must not change while this is used (MasterIndex.packBlobs settles it first). */
  constructor(
    private readonly table: BlobTable,
    private readonly copies: readonly RowCopy[],
    /** Pack IDs by pack number. */
    readonly packIds: readonly Id[],
  ) {
    const rows = (this.rowCount = table.count);
    const starts = (this.starts = new Uint32Array(packIds.length + 1));
    for (let i = 0; i < rows; i++) starts[(table.packs[i]! & PACK_MASK) + 1]!++;
    for (const c of copies) starts[c.pack + 1]!++;
    for (let n = 0; n < packIds.length; n++) starts[n + 1]! += starts[n]!;
    const entries = (this.entries = new Uint32Array(rows + copies.length));
    const next = starts.slice(0, packIds.length);
    for (let i = 0; i < rows; i++) entries[next[table.packs[i]! & PACK_MASK]!++] = i;
    copies.forEach((c, j) => (entries[next[c.pack]!++] = rows + j));
  }

  /** Number of packs (pack numbers are 0 … packCount − 1). */
  get packCount(): number {
    return this.packIds.length;
  }

  /** Number of blobs pack `n` holds. */
  count(n: number): number {
    return this.starts[n + 1]! - this.starts[n]!;
  }

  /** The size pack `n`'s file has when it holds exactly its indexed blobs (expectedPackSize). */
  expectedSize(n: number): number {
    let size = PACK_HEADER_OVERHEAD;
    const t = this.table;
    for (let e = this.starts[n]!; e < this.starts[n + 1]!; e++) {
      const at = this.entries[e]!;
      const copy = at < this.rowCount ? undefined : this.copies[at - this.rowCount]!;
      size += copy ? copy.length + entrySize(copy.uncompressedLength) : t.length(at) + entrySize(t.plainLength(at));
    }
    return size;
  }

  /** True when pack `n` holds both tree and data blobs (restic's "mixed pack"). */
  mixed(n: number): boolean {
    let types = 0;
    for (let e = this.starts[n]!; e < this.starts[n + 1]! && types !== 3; e++) types |= 1 << (this.table.packs[this.rowOf(this.entries[e]!)]! >>> 31);
    return types === 3;
  }

  /** Pack `n`'s blobs as a CompactPack (built now; in no particular order). */
  compact(n: number): CompactPack {
    const first = this.starts[n]!;
    const count = this.starts[n + 1]! - first;
    const c: CompactPack = {
      id: this.packIds[n]!,
      count,
      ids: Buffer.allocUnsafe(count * 32),
      types: new Uint8Array(count),
      offsets: new Uint32Array(count),
      lengths: new Uint32Array(count),
      uncompressedLengths: new Uint32Array(count),
    };
    for (let k = 0; k < count; k++) {
      const at = this.entries[first + k]!;
      const row = this.rowOf(at);
      const e = this.entry(at);
      c.ids.set(this.table.ids.subarray(row * 32, row * 32 + 32), k * 32);
      c.types[k] = this.table.packs[row]! >>> 31;
      c.offsets[k] = e.offset;
      c.lengths[k] = e.length;
      c.uncompressedLengths[k] = e.uncompressedLength;
    }
    return c;
  }

  private rowOf(at: number): number {
    return at < this.rowCount ? at : this.copies[at - this.rowCount]!.row;
  }

  /** Where entry `at` is: the row's own location, or the copy's. */
  private entry(at: number): { offset: number; length: number; uncompressedLength: number } {
    if (at >= this.rowCount) return this.copies[at - this.rowCount]!;
    const t = this.table;
    return { offset: t.offsets[at]!, length: t.length(at), uncompressedLength: t.plainLength(at) };
  }
}
