/**
 * Backs up paths into trees and returns the root tree.
 *
 *   for each directory (depth first, sibling directories concurrently):
 *     list it (readdir and every entry's lstat in one request on the thread pool, directories
 *     listed ahead of the walk: dir-scanner.ts), apply excludes,
 *     files unchanged since the parent snapshot (size, mtime, ctime, inode) keep their content,
 *     other files go to the file lanes (chunk, hash, dedupe, compress, encrypt, pack),
 *     then encode the tree (nodes sorted by name bytes) and save it (deduplicated).
 *   the root tree holds each target at its tree path (see ArchiveTarget): '/a/b' becomes
 *   tree{a: dir{b: …}}; a target stored at '/' ('.') gives the root its entries.
 *
 * Per-item problems (unreadable files, vanished entries) go to `onError` and the item is left
 * out; the backup goes on.
 */
import { readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type DirScan, STAT } from '../../native/index.js';
import { LifeboatError, type Id } from '../../core/index.js';
import { type Node, type NodeType, TreeBuilder, encodeTree, linkTargetFields } from '../../repository/model/index.js';
import type { PathFilter } from '../filter/index.js';
import { OwnerNames, type StatFields, lstatFields, newStatFields, nodeFromStat, nodeType } from './node-from-stat.js';
import { describesEntry, fileUnchanged } from './parent-match.js';
import { type ParentNode, addParentNodes } from './parent-tree.js';
import { ParentTrees } from './parent-trees.js';
import type { ArchiverRepository, ArchiverWriter } from './ports.js';
import type { FileLanes } from './file-lanes.js';
import { DirScanner, childPath as join } from './dir-scanner.js';
import { type ArchiveOptions, type ArchiveProgress, type ArchiveStats, hasExclusionMarker } from './archive-options.js';
import { type ArchiveTarget, type PlacedTarget, parentDir, placeTargets, realAncestor } from './targets.js';

export type { ArchiveTarget } from './targets.js';
export type { ArchiveOptions, ArchiveProgress, ArchiveStats } from './archive-options.js';

/**
 * An entry's node: ready (or undefined: excluded, failed), or a promise when it waits for its
 * content (inside an object, so it is not flattened). Ready nodes cost no promise.
 */
interface Pending {
  node: Node | undefined | Promise<Node | undefined>;
  /**
   * Set instead of `node` when the entry is the parent's node as it was (the entry unchanged, on
   * the same device; a directory with the parent's tree too): it goes into the new tree as the
   * parent tree holds it, never decoded.
   */
  asInParent?: ParentNode;
}

const PROGRESS_BYTES = 4 * 1024 * 1024;
/**
 * The walk gives the event loop a turn at least this often (ms). Entries whose node is ready
 * (unchanged files) resolve in microtasks only, so without it the walk held the main thread for
 * the whole run: the workers' "which blobs are new" questions and finished batches waited, and
 * the directories waiting for them piled up (an incremental backup of the bench dataset held
 * ≈ 28,000 pending entries).
 */
const WALK_SLICE_MS = 2;
const SLASH = Buffer.from('/');

export class Archiver {
  private readonly owners = new OwnerNames();
  readonly stats: ArchiveStats = {
    filesNew: 0,
    filesChanged: 0,
    filesUnmodified: 0,
    dirsNew: 0,
    dirsChanged: 0,
    dirsUnmodified: 0,
    totalFilesProcessed: 0,
    totalBytesProcessed: 0,
    errors: 0,
  };
  private progress: ArchiveProgress = { filesDone: 0, bytesDone: 0, dirsDone: 0 };
  private reportedBytes = 0;
  private rootDevices = new Set<bigint>();
  private readonly st = newStatFields();
  /** The exclude patterns, unless there are none (then no path is decoded to test it). */
  private readonly exclude: PathFilter | undefined;

  constructor(
    private readonly repo: ArchiverRepository,
    private readonly writer: ArchiverWriter,
    private readonly pool: FileLanes,
    private readonly options: ArchiveOptions,
  ) {
    this.exclude = options.exclude?.isEmpty() ? undefined : options.exclude;
    this.listsXattrs = options.parentTree === undefined;
    this.scanner = new DirScanner((path) => this.exclude?.matchesExactly(path.toString()) ?? false, { xattrs: this.listsXattrs });
    this.parentTrees = new ParentTrees((id) => repo.loadBlob('tree', id, options.signal), options.onWarning);
  }

  /** Backs up `targets` (absolute paths are stored at their own path); returns the root tree ID. */
  async archive(targets: readonly (string | ArchiveTarget)[]): Promise<Id> {
    const { placed, devices } = placeTargets(targets);
    this.rootDevices = devices;
    return this.saveVirtualDir(SLASH, placed, this.options.parentTree);
  }

  private fail(path: Buffer, err: unknown): void {
    this.stats.errors++;
    this.options.onError?.(path.toString(), err instanceof Error ? err : new Error(String(err)));
  }

  /** Entries walked, and when the walk last gave the event loop a turn. */
  private walked = 0;
  private sliceStart = performance.now();

  /**
   * Lists directories ahead of the walk. With a parent snapshot most entries keep their parent's
   * node, so the listings carry no xattr list sizes (an llistxattr per entry, ≈ 3 % of an
   * incremental backup's CPU time); the few entries that need a new node have them read then.
   */
  private readonly scanner: DirScanner;
  /** True when the listings carry the xattr list sizes (no parent snapshot: every node is new). */
  private readonly listsXattrs: boolean;

  /** The parent snapshot's trees, loaded as the walk enters each directory and a few ahead. */
  private readonly parentTrees: ParentTrees;

  /**
   * A directory of the virtual tree above the backup targets: only the components that lead to
   * targets, each with the metadata of the real directory.
   */
  private async saveVirtualDir(dir: Buffer, targets: PlacedTarget[], parentTree: Id | undefined): Promise<Id> {
    const children = new Map<string, PlacedTarget[]>();
    /** Per child that is itself a target: that target. */
    const exact = new Map<string, PlacedTarget>();
    for (const t of targets) {
      const rest = t.tree.subarray(dir.length === 1 ? 1 : dir.length + 1);
      const slash = rest.indexOf(0x2f);
      const name = slash < 0 ? rest : rest.subarray(0, slash);
      const key = name.toString('latin1');
      if (slash < 0) exact.set(key, t);
      children.set(key, [...(children.get(key) ?? []), t]);
    }
    // the parent's nodes of these children, looked up in byte order (ParentLookup)
    const tree = await this.parentTrees.take(parentTree);
    const lookup = tree.lookup();
    const names = [...children.keys()].map((key) => Buffer.from(key, 'latin1')).sort((a, b) => Buffer.compare(a, b));
    const parents = new Map(names.map((name) => [name.toString('latin1'), lookup.get(name)]));
    const nodes: Node[] = [];
    await Promise.all(
      [...children.entries()].map(async ([key, sub]) => {
        const name = Buffer.from(key, 'latin1');
        const treePath = join(dir, name);
        const parent = parents.get(key);
        const target = exact.get(key);
        if (target) {
          const entry = await this.saveEntry(parentDir(target.real), name, parent);
          const node = entry.asInParent ? entry.asInParent.node() : await entry.node;
          if (node) nodes.push(node);
          return;
        }
        // a directory on the way to targets: the real directory it stands for, with its metadata
        const real = realAncestor(sub[0]!, treePath);
        const node = nodeFromStat(name, real, lstatFields(real, this.st), 'dir', this.owners, (err) => this.fail(real, err));
        node.subtree = await this.saveVirtualDir(treePath, sub, parent?.type === 'dir' ? parent.subtree : undefined);
        nodes.push(node);
      }),
    );
    tree.release();
    return this.writer.saveTree(encodeTree(nodes));
  }

  /**
   * Saves one directory entry; its node is undefined when it is excluded or failed. Directories
   * are walked before this settles (depth first); a file's content may still be in the lanes:
   * its node is a promise then, settled when the content is stored. Synchronous for everything
   * but directories and files to read (an incremental backup reuses most nodes: no promise each).
   */
  private saveEntry(dir: Buffer, name: Buffer, parent: ParentNode | undefined, listed?: StatFields | Error): Pending | Promise<Pending> {
    this.options.signal?.throwIfAborted();
    const path = join(dir, name);
    if (this.exclude?.matchesExactly(path.toString())) return { node: undefined };
    let node: Node;
    let device: bigint;
    try {
      if (listed instanceof Error) throw listed;
      const st = listed ?? lstatFields(path, this.st);
      device = st[STAT.dev]!;
      const type = nodeType(st);
      if (!type || type === 'socket') return { node: undefined };
      if (type === 'file' && this.options.excludeLargerThan !== undefined && Number(st[STAT.size]) > this.options.excludeLargerThan) {
        return { node: undefined };
      }
      if (type === 'file' && !this.options.force && fileUnchanged(parent, st, this.repo.index)) {
        // size, inode, mtime and ctime as in the parent: its node is still true (any change of
        // mode, owner, links or xattrs would have moved ctime), so reuse it without reading;
        // as it is, but for the device when the file now is on another one
        const moved = parent.deviceId !== device ? { ...parent.node(), deviceId: device } : undefined;
        this.reused(path, parent.size);
        return moved ? { node: moved } : { node: undefined, asInParent: parent };
      }
      const xattrsListed = listed === undefined || this.listsXattrs;
      if (type === 'dir') {
        if (!this.parentDescribes(st, type, device, parent)) {
          return this.saveDirEntry(
            path,
            device,
            parent,
            nodeFromStat(name, path, st, type, this.owners, (err) => this.fail(path, err), xattrsListed),
          );
        }
        // the parent's node is kept if the directory's tree is the parent's too; if not, a node
        // is built after the walk, from a copy (the listing and this.st are reused meanwhile)
        const fields = st.slice();
        return this.saveDirEntry(path, device, parent, () => nodeFromStat(name, path, fields, type, this.owners, (err) => this.fail(path, err), xattrsListed));
      }
      // a symlink, device or FIFO as in the parent keeps its node (no readlink)
      if (this.parentDescribes(st, type, device, parent)) return { node: undefined, asInParent: parent };
      node = nodeFromStat(name, path, st, type, this.owners, (err) => this.fail(path, err), xattrsListed);
    } catch (err) {
      this.fail(path, err);
      return { node: undefined };
    }
    switch (node.type) {
      case 'file':
        if (this.pool.hasRoom()) return { node: this.saveFile(path, node, parent) };
        return this.pool.whenAvailable().then(() => ({ node: this.saveFile(path, node, parent) }));
      case 'symlink':
        try {
          Object.assign(node, linkTargetFields(readlinkSync(path, { encoding: 'buffer' })));
        } catch (err) {
          this.fail(path, err);
          return { node: undefined };
        }
        return { node };
      default:
        return { node };
    }
  }

  /**
   * A directory entry. Its node is `newNode`; when that is a function, the parent's node describes
   * the directory and is kept if the directory's tree is the parent's too, else `newNode()` is.
   */
  private async saveDirEntry(path: Buffer, device: bigint, parent: ParentNode | undefined, newNode: Node | (() => Node)): Promise<Pending> {
    if (hasExclusionMarker(this.options, path)) return { node: undefined };
    if (this.options.oneFileSystem && !this.rootDevices.has(device)) {
      const node = typeof newNode === 'function' ? newNode() : newNode;
      node.subtree = await this.writer.saveTree(encodeTree([]));
      return { node };
    }
    // read now: the parent's tree is released when the walk of this directory's parent is done,
    // which can be before this directory's files are stored
    const parentSubtree = parent?.type === 'dir' ? parent.subtree : undefined;
    // the walk below is done when this returns; the subtree is saved once its files are
    const { tree, sameAsParent } = await this.saveDir(path, parentSubtree);
    if (typeof newNode === 'function' && sameAsParent) {
      this.stats.dirsUnmodified++;
      return { node: undefined, asInParent: parent };
    }
    const node = typeof newNode === 'function' ? newNode() : newNode;
    return {
      node: tree.then((subtree) => {
        if (subtree === undefined) return undefined;
        node.subtree = subtree;
        if (!parent) this.stats.dirsNew++;
        else if (parentSubtree === subtree) this.stats.dirsUnmodified++;
        else this.stats.dirsChanged++;
        return node;
      }),
    };
  }

  /**
   * Walks a directory (depth first, waiting only for room in the worker pool) and returns a
   * promise of its tree ID that settles when every file below it is stored, so the walk moves
   * on while the workers are still busy with this directory's files.
   */
  private async saveDir(path: Buffer, parentTree: Id | undefined): Promise<{ tree: Promise<Id | undefined>; sameAsParent?: boolean }> {
    let scan: DirScan;
    try {
      scan = await this.scanner.list(path);
    } catch (err) {
      this.fail(path, err);
      return { tree: Promise.resolve(undefined) };
    }
    const parents = await this.parentTrees.take(parentTree);
    const lookup = parents.lookup();
    // nodes are encoded as soon as they are known: a directory waiting for its files to be read
    // (the walk runs far ahead of the workers in an incremental backup) keeps strings, not Nodes
    const builder = new TreeBuilder();
    const add = (n: Node | undefined): void => {
      if (n) builder.add(n);
    };
    const waits: Promise<void>[] = [];
    // nodes as in the parent tree are held, not encoded, while every entry so far is one: when all
    // are and no name was added or removed, this tree is the parent's (an incremental backup's
    // unchanged directories of files: ≈ 15 % of its main thread was encoding them again). Held
    // are the first `held` entries; their nodes are looked up again if they are to be encoded
    let held = 0;
    let allAsInParent = parentTree !== undefined;
    for (let i = 0; i < scan.count; i++) {
      if ((++this.walked & 31) === 0 && performance.now() - this.sliceStart >= WALK_SLICE_MS) {
        await nextTurn();
        this.sliceStart = performance.now();
      }
      const name = scan.name(i);
      const entry = this.saveEntry(path, name, lookup.get(name), scan.ok(i) ? scan.stat(i) : scan.error(i));
      const { node, asInParent } = entry instanceof Promise ? await entry : entry;
      if (allAsInParent && asInParent) {
        held++;
        continue;
      }
      if (allAsInParent) {
        allAsInParent = false;
        addParentNodes(builder, parents, scan, held);
      }
      if (asInParent) asInParent.addTo(builder);
      else if (node instanceof Promise) waits.push(node.then(add));
      else add(node);
    }
    // an empty directory is encoded (its empty parent may also be a parent tree that failed to load)
    const sameAsParent = allAsInParent && held > 0 && lookup.tookAll() && this.repo.index.plaintextSize('tree', parentTree!) >= 0;
    if (!sameAsParent && allAsInParent) addParentNodes(builder, parents, scan, held);
    // subdirectories that were not walked (gone, excluded) leave no prefetched tree behind; the
    // walk is done with this directory's tree (its nodes were read or copied, and subdirectories
    // took their subtree IDs before they were walked)
    for (const subtree of parents.subtrees) this.parentTrees.drop(subtree);
    parents.release();
    scan.release();
    const tree = Promise.all(waits).then(() => {
      this.progress.dirsDone++;
      return sameAsParent ? parentTree! : this.writer.saveTree(builder.encode());
    });
    // a rejection is observed by whoever awaits `tree`; avoid an unhandled-rejection warning meanwhile
    tree.catch(() => undefined);
    return { tree, sameAsParent };
  }

  /** The parent's node describes the entry (see parent-match.ts) on the same device, and --force is not given. */
  private parentDescribes(st: StatFields, type: NodeType, device: bigint, parent: ParentNode | undefined): parent is ParentNode {
    return !this.options.force && describesEntry(parent, st, type) && parent.deviceId === device;
  }

  /** Counts a file kept as in the parent snapshot. */
  private reused(path: Buffer, size: number): void {
    this.stats.totalFilesProcessed++;
    this.stats.totalBytesProcessed += size;
    this.stats.filesUnmodified++;
    this.advance(size, path);
  }

  private async saveFile(path: Buffer, node: Node, parent: ParentNode | undefined): Promise<Node | undefined> {
    this.stats.totalFilesProcessed++;
    this.stats.totalBytesProcessed += node.size;
    const result = await this.pool.readFile(path, node.size);
    if (result.error) {
      this.fail(path, new LifeboatError('E_IO', `cannot read ${path.toString()}: ${result.error.message}`));
      return undefined;
    }
    if (result.changed) this.options.onWarning?.(path.toString(), 'file changed while it was read');
    const ids: Id[] = [];
    const hex = Buffer.from(result.content.buffer, result.content.byteOffset, result.content.length).toString('hex');
    for (let i = 0; i < hex.length; i += 64) ids.push(hex.slice(i, i + 64) as Id);
    node.content = ids;
    node.size = result.size;
    if (parent) this.stats.filesChanged++;
    else this.stats.filesNew++;
    this.advance(result.size, path);
    return node;
  }

  private advance(bytes: number, path: Buffer): void {
    this.progress.filesDone++;
    this.progress.bytesDone += bytes;
    // a report per 64 files, or per 4 MiB for large files, is plenty for a display and spares an
    // object per small file
    if ((this.progress.filesDone & 63) !== 0 && this.progress.bytesDone - this.reportedBytes < PROGRESS_BYTES) return;
    this.reportedBytes = this.progress.bytesDone;
    this.options.onProgress?.({
      ...this.progress,
      filesTotal: this.stats.totalFilesProcessed,
      bytesTotal: this.stats.totalBytesProcessed,
      current: path.toString(),
    });
  }
}
