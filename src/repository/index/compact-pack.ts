/**
 * One pack's index entries in typed arrays: check and prune keep every pack's entries for the
 * whole run, so they must not cost a JS object per blob. Decoded index files are converted
 * right away and their objects dropped.
 */
import type { Id } from '../../core/index.js';
import type { IndexBlobEntry, IndexPack } from '../model/index.js';

export interface CompactPack {
  id: Id;
  count: number;
  /** 32 bytes per blob. */
  ids: Buffer;
  /** 0 = data, 1 = tree. */
  types: Uint8Array;
  offsets: Uint32Array;
  lengths: Uint32Array;
  uncompressedLengths: Uint32Array;
}

export function compactPack(p: IndexPack): CompactPack {
  const n = p.blobs.length;
  const c: CompactPack = {
    id: p.id,
    count: n,
    ids: Buffer.allocUnsafe(n * 32),
    types: new Uint8Array(n),
    offsets: new Uint32Array(n),
    lengths: new Uint32Array(n),
    uncompressedLengths: new Uint32Array(n),
  };
  p.blobs.forEach((b, i) => {
    c.ids.write(b.id, i * 32, 32, 'hex');
    c.types[i] = b.type === 'tree' ? 1 : 0;
    c.offsets[i] = b.offset;
    c.lengths[i] = b.length;
    c.uncompressedLengths[i] = b.uncompressedLength;
  });
  return c;
}

/** Entry i as an object (for the moment it is needed). */
export function packBlob(c: CompactPack, i: number): IndexBlobEntry {
  return {
    id: c.ids.toString('hex', i * 32, i * 32 + 32) as Id,
    type: c.types[i] === 1 ? 'tree' : 'data',
    offset: c.offsets[i]!,
    length: c.lengths[i]!,
    uncompressedLength: c.uncompressedLengths[i]!,
  };
}

export function* packBlobs(c: CompactPack): Generator<IndexBlobEntry> {
  for (let i = 0; i < c.count; i++) yield packBlob(c, i);
}

/** Back to the index-file form (for writing a new index). */
export function expandPack(c: CompactPack): IndexPack {
  return { id: c.id, blobs: [...packBlobs(c)] };
}
