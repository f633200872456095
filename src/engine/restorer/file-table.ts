/**
 * The regular files a restore writes, as numbered rows in typed-array columns: one object per
 * file (with its path Buffer, time strings and metadata object) made most of a large restore's
 * memory. A file is its number; its path bytes live in a ByteArena.
 *
 * Per file: path, size, blob writes still missing, failed flag, and the metadata to apply: uid,
 * gid, mode and the parsed times in columns. The rare file whose metadata does not fit them
 * (extended attributes, a malformed or far-out time, ids beyond 32 bits) keeps its metadata as an
 * object. With --verify the content IDs are kept too (32 bytes each, in a second arena).
 */
import type { Id } from '../../core/index.js';
import type { Node } from '../../repository/model/index.js';
import { ByteArena } from './byte-arena.js';
import { type NodeMetadata, type NodeTimes, parseNodeTimes } from './metadata.js';
import { grow } from './typed-columns.js';

const FAILED = 1;
/** Nothing was at the file's path when the restore planned it: it may be created under its final name. */
const NEW = 2;

/** The metadata of a planned file, ready for applyParsedMetadata. */
export interface FileMetadata {
  node: Omit<NodeMetadata, 'mtime' | 'atime'>;
  times: NodeTimes | Error;
}

export class FileTable {
  private count = 0;
  /** Final paths (file n is entry n). */
  private readonly paths = new ByteArena();
  /** Paths of hard links to planned files. */
  private readonly linkPaths = new ByteArena();
  /** Content IDs per file (file n is entry n), only when asked for. */
  private readonly contentIds: ByteArena | undefined;
  private sizes = new Float64Array(1024);
  private remainingWrites = new Uint32Array(1024);
  private flags = new Uint8Array(1024);
  private uids = new Uint32Array(1024);
  private gids = new Uint32Array(1024);
  private modes = new Uint32Array(1024);
  private mtimeSecs = new Float64Array(1024);
  private mtimeNsecs = new Uint32Array(1024);
  private atimeSecs = new Float64Array(1024);
  private atimeNsecs = new Uint32Array(1024);
  /** Files whose metadata does not fit the columns. */
  private readonly whole = new Map<number, NodeMetadata>();
  /** Other names of a file's inode (entries of `linkPaths`), linked once it is complete. */
  private readonly links = new Map<number, number[]>();

  constructor(options: { keepContent: boolean }) {
    this.contentIds = options.keepContent ? new ByteArena() : undefined;
  }

  get length(): number {
    return this.count;
  }

  /**
   * Adds a file node to be written at `path` with `blobs` blob writes; returns its number.
   * `isNew`: nothing was at `path` when the restore looked.
   */
  add(path: Uint8Array, node: Node, blobs: number, isNew = false): number {
    const n = this.count;
    if (n === this.sizes.length) this.growColumns();
    this.paths.append(path);
    this.sizes[n] = node.size;
    this.remainingWrites[n] = blobs;
    this.flags[n] = isNew ? NEW : 0;
    if (!this.fitColumns(n, node)) {
      const { type, uid, gid, mode, mtime, atime, extendedAttributes } = node;
      this.whole.set(n, { type, uid, gid, mode, mtime, atime, extendedAttributes });
    }
    if (this.contentIds) {
      const ids = node.content ?? [];
      const bytes = Buffer.allocUnsafeSlow(ids.length * 32);
      ids.forEach((id, i) => bytes.write(id, i * 32, 32, 'hex'));
      this.contentIds.append(bytes);
    }
    this.count++;
    return n;
  }

  /** Stores the metadata in the columns; false when it does not fit them. */
  private fitColumns(n: number, node: Node): boolean {
    if (node.extendedAttributes?.length) return false;
    if (!isUint32(node.uid) || !isUint32(node.gid) || !isUint32(node.mode)) return false;
    let times: NodeTimes;
    try {
      times = parseNodeTimes(node);
    } catch {
      return false; // applied (and reported) from the whole metadata
    }
    const mtime = Number(times.mtimeSec);
    const atime = Number(times.atimeSec);
    if (!Number.isSafeInteger(mtime) || !Number.isSafeInteger(atime)) return false;
    this.uids[n] = node.uid;
    this.gids[n] = node.gid;
    this.modes[n] = node.mode;
    this.mtimeSecs[n] = mtime;
    this.mtimeNsecs[n] = times.mtimeNsec;
    this.atimeSecs[n] = atime;
    this.atimeNsecs[n] = times.atimeNsec;
    return true;
  }

  private growColumns(): void {
    this.sizes = grow(this.sizes);
    this.remainingWrites = grow(this.remainingWrites);
    this.flags = grow(this.flags);
    this.uids = grow(this.uids);
    this.gids = grow(this.gids);
    this.modes = grow(this.modes);
    this.mtimeSecs = grow(this.mtimeSecs);
    this.mtimeNsecs = grow(this.mtimeNsecs);
    this.atimeSecs = grow(this.atimeSecs);
    this.atimeNsecs = grow(this.atimeNsecs);
  }

  /** Final path (raw bytes): a view, valid as long as the table. */
  path(n: number): Buffer {
    return this.paths.get(n);
  }

  size(n: number): number {
    return this.sizes[n]!;
  }

  /** Blob writes still missing. */
  remaining(n: number): number {
    return this.remainingWrites[n]!;
  }

  /** Counts one blob write done; returns the writes still missing. */
  written(n: number): number {
    return --this.remainingWrites[n]!;
  }

  failed(n: number): boolean {
    return (this.flags[n]! & FAILED) !== 0;
  }

  markFailed(n: number): void {
    this.flags[n]! |= FAILED;
  }

  /** Nothing was at the file's path when it was planned. */
  isNew(n: number): boolean {
    return (this.flags[n]! & NEW) !== 0;
  }

  /** The file's metadata is uid, gid, mode and times only (no extended attributes, nothing out of range). */
  plainMetadata(n: number): boolean {
    return !this.whole.has(n);
  }

  metadata(n: number): FileMetadata {
    const node = this.whole.get(n);
    if (node) {
      let times: NodeTimes | Error;
      try {
        times = parseNodeTimes(node);
      } catch (err) {
        times = err as Error;
      }
      return { node, times };
    }
    return {
      node: { type: 'file', uid: this.uids[n]!, gid: this.gids[n]!, mode: this.modes[n]! },
      times: { atimeSec: this.atimeSecs[n]!, atimeNsec: this.atimeNsecs[n]!, mtimeSec: this.mtimeSecs[n]!, mtimeNsec: this.mtimeNsecs[n]! },
    };
  }

  /** The file's content IDs; only for a table made with keepContent. */
  content(n: number): Id[] {
    if (!this.contentIds) throw new Error('FileTable: content IDs were not kept');
    const bytes = this.contentIds.get(n);
    const ids: Id[] = [];
    for (let i = 0; i < bytes.length; i += 32) ids.push(bytes.toString('hex', i, i + 32) as Id);
    return ids;
  }

  addHardlink(n: number, path: Uint8Array): void {
    const entry = this.linkPaths.append(path);
    const list = this.links.get(n);
    if (list) list.push(entry);
    else this.links.set(n, [entry]);
  }

  /** The other names of file `n` (views, valid as long as the table). */
  hardlinks(n: number): Buffer[] {
    return (this.links.get(n) ?? []).map((e) => this.linkPaths.get(e));
  }
}

function isUint32(x: number): boolean {
  return x >>> 0 === x;
}
