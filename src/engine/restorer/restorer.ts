/**
 * Restores a tree into a target directory.
 *
 *   1. walk the tree: validate every name, create directories, symlinks, fifos and devices,
 *      collect regular files (hard links grouped by device and inode);
 *   2. plan by pack: for every blob of every file, its pack; each pack is read once (one
 *      ranged read covering the blobs needed) and every blob is written to every file and
 *      offset that needs it;
 *   3. a file whose last blob arrived is closed, gets its metadata and is renamed into place,
 *      then its hard links are created;
 *   4. directory metadata last, deepest first, so that children do not change parents' mtimes.
 *
 * Safety: a name that is empty, '.', '..', contains '/' or NUL, or repeats in its directory is
 * an error for that entry and nothing below it is written. Directories that exist already are
 * used only when they are real directories (never through a symlink).
 */
import { lstatSync, mkdirSync, readSync, openSync, closeSync, symlinkSync, unlinkSync, linkSync } from 'node:fs';
import { IntegrityError, LifeboatError, type Id, forEachConcurrent, sha256 } from '../../core/index.js';
import { mknod } from '../../native/index.js';
import type { BlobReader } from '../../repository/ports.js';
import { newBlobScratch } from '../../repository/blob-crypto.js';
import { type Node, isSafeName, linkTargetBytes, permFromFileMode } from '../../repository/model/index.js';
import type { PathMatcher } from '../filter/index.js';
import { joinPath } from '../walker/index.js';
import { FileWriter, type PlannedFile } from './file-writer.js';
import { applyMetadata } from './metadata.js';

export interface RestoreOptions {
  /** Tree whose contents are restored into `target`. */
  tree: Id;
  target: string;
  /** Path of `tree` within the snapshot, for filters and messages ('/' for the root). */
  basePath?: Buffer;
  /** When set, only the single node `only` of `tree` is restored (restoring a file sub-path). */
  only?: Buffer;
  include?: PathMatcher;
  exclude?: PathMatcher;
  dryRun?: boolean;
  verify?: boolean;
  sparse?: boolean;
  owner?: boolean;
  xattrs?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RestoreProgress) => void;
  /** A per-item problem (the restore goes on). */
  onError?: (path: string, err: Error) => void;
}

export interface RestoreProgress {
  filesTotal: number;
  bytesTotal: number;
  filesDone: number;
  bytesDone: number;
}

export interface RestoreSummary extends RestoreProgress {
  dirs: number;
  others: number;
  errors: number;
  /** Files whose content was read back and checked (--verify). */
  verified: number;
}

/** One blob occurrence to write: flat fields, not an index location object with its own ID string. */
interface PackTarget {
  file: PlannedFile;
  /** Offset in the file. */
  offset: number;
  /** The blob in its pack. */
  blobOffset: number;
  length: number;
  uncompressedLength: number;
  id: Id;
}

/** Most bytes of a pack read at once (see restorePack). */
const SPAN_BYTES = 4 * 1024 * 1024;

interface PlannedDir {
  path: Buffer;
  node: Node | undefined;
}

export async function restoreTree(reader: BlobReader, options: RestoreOptions): Promise<RestoreSummary> {
  return new Restorer(reader, options).run();
}

class Restorer {
  private readonly files: PlannedFile[] = [];
  private readonly dirs: PlannedDir[] = [];
  private readonly byPack = new Map<Id, PackTarget[]>();
  private readonly hardlinkFirst = new Map<string, PlannedFile>();
  private readonly summary: RestoreSummary = {
    filesTotal: 0, bytesTotal: 0, filesDone: 0, bytesDone: 0, dirs: 0, others: 0, errors: 0, verified: 0,
  };
  private readonly writer: FileWriter;
  /** Decrypted blobs land here and are written before the next one is decrypted (writes are synchronous). */
  private readonly scratch = newBlobScratch();
  private readonly target: Buffer;
  private readonly dry: boolean;

  constructor(private readonly reader: BlobReader, private readonly options: RestoreOptions) {
    this.writer = new FileWriter(options.sparse ?? true);
    this.target = Buffer.from(options.target.replace(/\/+$/, '') || '/');
    this.dry = options.dryRun ?? false;
  }

  async run(): Promise<RestoreSummary> {
    if (!this.dry) mkdirSync(this.target, { recursive: true });
    const base = this.options.basePath ?? Buffer.from('/');
    await this.walk(this.options.tree, base, this.target, this.options.include?.matches(base.toString()) ?? false, []);
    this.options.onProgress?.({ ...this.summary });
    if (!this.dry) {
      try {
        await this.restoreContents();
      } finally {
        this.writer.closeAll();
      }
      for (let i = this.dirs.length - 1; i >= 0; i--) {
        const d = this.dirs[i]!;
        if (d.node) this.warnAll(d.path, applyMetadata(d.path, d.node, this.metadataOptions()));
      }
      if (this.options.verify) this.verify();
    }
    return this.summary;
  }

  private metadataOptions(): { owner: boolean; xattrs: boolean } {
    return { owner: this.options.owner ?? process.getuid?.() === 0, xattrs: this.options.xattrs ?? true };
  }

  private fail(path: Buffer | string, err: unknown): void {
    this.summary.errors++;
    const e = err instanceof Error ? err : new Error(String(err));
    this.options.onError?.(typeof path === 'string' ? path : path.toString(), e);
  }

  private warnAll(path: Buffer, problems: Error[]): void {
    for (const p of problems) this.fail(path, p);
  }

  /**
   * Walks one tree. `included`: an ancestor matched --include (or there is no include filter).
   * `pending`: directories not created yet because nothing below them was selected so far.
   */
  private async walk(treeId: Id, snapPath: Buffer, dest: Buffer, included: boolean, pending: PlannedDir[]): Promise<void> {
    this.options.signal?.throwIfAborted();
    let nodes: Node[];
    try {
      nodes = await this.reader.loadTree(treeId, this.options.signal);
    } catch (err) {
      this.fail(snapPath, err);
      return;
    }
    const seen = new Set<string>();
    for (const node of nodes) {
      const nodeSnapPath = joinPath(snapPath, node.name);
      if (this.options.only && !node.name.equals(this.options.only)) continue;
      if (!isSafeName(node.name)) {
        this.fail(nodeSnapPath, new LifeboatError('E_UNSAFE_PATH', `refusing tree entry with unsafe name ${JSON.stringify(node.name.toString('latin1'))} in ${snapPath.toString()}: nothing of it is restored`));
        continue;
      }
      const key = node.name.toString('latin1');
      if (seen.has(key)) {
        this.fail(nodeSnapPath, new LifeboatError('E_UNSAFE_PATH', `duplicate tree entry ${nodeSnapPath.toString()}: only the first is restored`));
        continue;
      }
      seen.add(key);
      const pathStr = nodeSnapPath.toString();
      if (this.options.exclude?.matchesExactly(pathStr)) continue;
      const selected = included || !this.options.include || this.options.include.matchesExactly(pathStr);
      const destPath = joinPath(dest, node.name);
      if (node.type === 'dir') {
        const dir: PlannedDir = { path: destPath, node };
        if (selected) {
          if (!this.ensureDirs([...pending, dir])) continue;
          if (node.subtree) await this.walk(node.subtree, nodeSnapPath, destPath, true, []);
        } else if (node.subtree) {
          await this.walk(node.subtree, nodeSnapPath, destPath, false, [...pending, dir]);
        }
        continue;
      }
      if (!selected) continue;
      if (!this.ensureDirs(pending)) continue;
      pending = [];
      this.restoreNode(node, destPath);
    }
  }

  /** Creates planned directories in order; false (and an error) when one cannot be used. */
  private ensureDirs(dirs: PlannedDir[]): boolean {
    for (const d of dirs) {
      if (this.dirs.includes(d)) continue;
      if (!this.dry) {
        try {
          mkdirSync(d.path, { mode: 0o700 });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !lstatSync(d.path).isDirectory()) {
            this.fail(d.path, new LifeboatError('E_IO', `cannot create directory ${d.path.toString()}: ${(err as Error).message}`, { cause: err }));
            return false;
          }
        }
      }
      this.dirs.push(d);
      this.summary.dirs++;
    }
    dirs.length = 0;
    return true;
  }

  private restoreNode(node: Node, dest: Buffer): void {
    try {
      switch (node.type) {
        case 'file':
          this.planFile(node, dest);
          return;
        case 'symlink':
          this.summary.others++;
          if (this.dry) return;
          removeExisting(dest);
          symlinkSync(linkTargetBytes(node), dest);
          break;
        case 'fifo':
        case 'dev':
        case 'chardev': {
          this.summary.others++;
          if (this.dry) return;
          removeExisting(dest);
          const typeBits = node.type === 'fifo' ? 0o010000 : node.type === 'dev' ? 0o060000 : 0o020000;
          mknod(dest, typeBits | permFromFileMode(node.mode), node.device);
          break;
        }
        case 'socket':
          return; // restic does not restore sockets either
        default:
          throw new LifeboatError('E_FORMAT', `unsupported node type ${JSON.stringify(node.type)}`);
      }
      this.warnAll(dest, applyMetadata(dest, node, this.metadataOptions()));
    } catch (err) {
      this.fail(dest, err);
    }
  }

  private planFile(node: Node, dest: Buffer): void {
    this.summary.filesTotal++;
    if (node.links > 1n) {
      const key = `${node.deviceId}:${node.inode}`;
      const first = this.hardlinkFirst.get(key);
      if (first) {
        first.hardlinks.push(dest);
        return;
      }
    }
    const content = node.content ?? [];
    const meta = {
      type: node.type, uid: node.uid, gid: node.gid, mode: node.mode, mtime: node.mtime, atime: node.atime,
      extendedAttributes: node.extendedAttributes, content: this.options.verify ? content : null,
    };
    const file: PlannedFile = { path: dest, node: meta, size: node.size, remaining: content.length, failed: false, hardlinks: [] };
    if (node.links > 1n) this.hardlinkFirst.set(`${node.deviceId}:${node.inode}`, file);
    this.files.push(file);
    this.summary.bytesTotal += node.size;
    let offset = 0;
    for (const id of content) {
      const loc = this.reader.index.lookup('data', id);
      if (!loc) {
        file.failed = true;
        this.fail(dest, new IntegrityError(`data blob ${id} of ${dest.toString()} is not in the index`, { hint: 'run `lifeboat check`' }));
        return;
      }
      let targets = this.byPack.get(loc.packId);
      if (!targets) this.byPack.set(loc.packId, (targets = []));
      targets.push({ file, offset, blobOffset: loc.offset, length: loc.length, uncompressedLength: loc.uncompressedLength, id });
      offset += loc.uncompressedLength > 0 ? loc.uncompressedLength : loc.length - 32;
    }
  }

  private async restoreContents(): Promise<void> {
    for (const file of this.files) {
      if (!file.failed && file.remaining === 0) this.finish(file);
    }
    const packs = [...this.byPack.entries()];
    await forEachConcurrent(packs, 4, async ([packId, targets]) => {
      await this.restorePack(packId, targets);
      this.byPack.delete(packId);
    }, this.options.signal);
    for (const file of this.files) {
      if (file.failed) this.writer.discard(file);
    }
  }

  private async restorePack(packId: Id, targets: PackTarget[]): Promise<void> {
    const live = targets.filter((t) => !t.file.failed);
    if (live.length === 0) return;
    live.sort((a, b) => a.blobOffset - b.blobOffset);
    // the pack is read in spans of whole blobs of at most SPAN_BYTES (a larger blob alone): four
    // packs in flight hold 4 × 4 MiB of read buffers instead of 4 whole packs
    let i = 0;
    while (i < live.length) {
      const start = live[i]!.blobOffset;
      let end = start + live[i]!.length;
      let j = i + 1;
      while (j < live.length) {
        const t = live[j]!;
        const tEnd = Math.max(end, t.blobOffset + t.length);
        if (tEnd - start > SPAN_BYTES && t.blobOffset !== live[j - 1]!.blobOffset) break;
        end = tEnd;
        j++;
      }
      await this.restoreSpan(packId, live, i, j, start, end);
      i = j;
    }
  }

  /** Reads [start, end) of a pack and writes the blobs live[from..to) that it holds. */
  private async restoreSpan(packId: Id, live: PackTarget[], from: number, to: number, start: number, end: number): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await this.reader.loadPackRange(packId, start, end - start, this.options.signal);
    } catch (err) {
      for (let k = from; k < to; k++) this.failFile(live[k]!.file, err);
      return;
    }
    let i = from;
    while (i < to) {
      const t = live[i]!;
      let j = i;
      while (j < to && live[j]!.blobOffset === t.blobOffset) j++;
      let plain: Buffer | undefined;
      try {
        const loc = { type: 'data' as const, id: t.id, packId, uncompressedLength: t.uncompressedLength };
        plain = this.reader.decryptBlob(loc, bytes.subarray(t.blobOffset - start, t.blobOffset - start + t.length), this.scratch);
      } catch (err) {
        for (let k = i; k < j; k++) this.failFile(live[k]!.file, err);
      }
      if (plain) {
        for (let k = i; k < j; k++) this.writeBlob(live[k]!, plain);
      }
      i = j;
    }
  }

  private writeBlob(t: PackTarget, plain: Buffer): void {
    const file = t.file;
    if (file.failed) return;
    try {
      this.writer.write(file, t.offset, plain);
    } catch (err) {
      this.failFile(file, err);
      return;
    }
    this.summary.bytesDone += plain.length;
    if (--file.remaining === 0) this.finish(file);
  }

  private failFile(file: PlannedFile, err: unknown): void {
    if (file.failed) return;
    file.failed = true;
    this.writer.discard(file);
    this.fail(file.path, err);
  }

  private finish(file: PlannedFile): void {
    try {
      const tmp = this.writer.close(file);
      this.warnAll(file.path, applyMetadata(tmp, file.node, this.metadataOptions()));
      this.writer.commit(file);
    } catch (err) {
      this.failFile(file, err);
      return;
    }
    this.summary.filesDone++;
    for (const link of file.hardlinks) {
      try {
        removeExisting(link);
        linkSync(file.path, link);
        this.summary.filesDone++;
      } catch (err) {
        this.fail(link, err);
      }
    }
    this.options.onProgress?.({ ...this.summary });
  }

  /** Reads every restored file back and checks each blob's hash (--verify). */
  private verify(): void {
    const buf = Buffer.allocUnsafe(8 * 1024 * 1024 + 64);
    for (const file of this.files) {
      if (file.failed) continue;
      let fd: number;
      try {
        fd = openSync(file.path, 'r');
      } catch (err) {
        this.fail(file.path, err);
        continue;
      }
      try {
        let offset = 0;
        for (const id of file.node.content ?? []) {
          const size = this.reader.index.plaintextSize('data', id);
          const chunk = size <= buf.length ? buf.subarray(0, size) : Buffer.allocUnsafe(size);
          let got = 0;
          while (got < size) {
            const n = readSync(fd, chunk, got, size - got, offset + got);
            if (n === 0) break;
            got += n;
          }
          if (got !== size || sha256(chunk).toString('hex') !== id) {
            throw new IntegrityError(`verification failed: ${file.path.toString()} differs from the snapshot at offset ${offset}`);
          }
          offset += size;
        }
        this.summary.verified++;
      } catch (err) {
        this.fail(file.path, err);
      } finally {
        closeSync(fd);
      }
    }
  }
}

/** Removes a non-directory entry at `path` so a symlink, device or link can take its place. */
function removeExisting(path: Buffer): void {
  try {
    const st = lstatSync(path);
    if (!st.isDirectory()) unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
