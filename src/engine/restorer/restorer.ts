/**
 * Restores a tree into a target directory.
 *
 *   1. walk the tree (loading a few subtrees ahead, TreePrefetch): validate every name, create
 *      directories, symlinks (new ones in batches on the thread pool, EntryBatches), fifos and
 *      devices, collect regular files (hard links grouped by device and inode) into a FileTable;
 *   2. plan by pack (PackPlan): for every blob of every file, its pack; each pack is read in
 *      spans of whole blobs and every blob is written to every file and offset that needs it
 *      (PackRestorer);
 *   3. a file whose last blob arrived is closed, gets its metadata and is renamed into place,
 *      then its hard links are created;
 *   4. directory metadata last, deepest first, so that children do not change parents' mtimes
 *      (in batches on the thread pool, in that order).
 *
 * The plan is kept in typed-array columns and arenas, not as objects per file and per blob:
 * it is what a large restore holds for its whole run.
 *
 * Into a target that has entries already, each entry of the snapshot is compared with what is
 * there (--overwrite, existing-entries.ts, target-entries.ts) and, with --delete, what the snapshot lacks goes; the
 * comparison is per directory (memory follows the widest one), and only in directories that
 * existed before: a restore into a new target looks nothing up.
 *
 * Safety: a name that is empty, '.', '..', contains '/' or NUL, or repeats in its directory is
 * an error for that entry and nothing below it is written. Directories that exist already are
 * used only when they are real directories (never through a symlink).
 */
import { lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { IntegrityError, LifeboatError, type Id } from '../../core/index.js';
import { mknod } from '../../native/index.js';
import { blobPlaintextLength } from '../../repository/pack/index.js';
import type { BlobReader } from '../../repository/ports.js';
import { type Node, isSafeName, linkTargetBytes, permFromFileMode } from '../../repository/model/index.js';
import { TreePrefetch, joinPath } from '../walker/index.js';
import { ByteArena } from './byte-arena.js';
import { FileTable } from './file-table.js';
import { FileWriter } from './file-writer.js';
import { type NodeMetadata, type NodeTimes, applyMetadata, parseNodeTimes } from './metadata.js';
import { EntryBatches } from './entry-batches.js';
import { TargetEntries } from './target-entries.js';
import { PackPlan } from './pack-plan.js';
import { PackRestorer, removeExisting } from './pack-restorer.js';
import { type OverwriteMode, lstatOrNull } from './existing-entries.js';
import { verifyRestoredFiles, withoutPath } from './verify-files.js';
import type { RestoreOptions, RestoreSummary } from './restore-options.js';

export type { OverwriteMode, RestoreAction } from './existing-entries.js';
export { OVERWRITE_MODES } from './existing-entries.js';
export type { RestoreOptions, RestoreProgress, RestoreSummary } from './restore-options.js';

/** A directory on the way down, not created yet while nothing below it was selected. */
interface PendingDir {
  path: Buffer;
  node: Node;
  created: boolean;
  /** It was there before this restore (so entries below it may be too). */
  existed?: boolean;
}

/** A created directory: its path (an entry of the restorer's arena) and the metadata to apply last. */
interface PlannedDir {
  path: number;
  meta: NodeMetadata;
}

export async function restoreTree(reader: BlobReader, options: RestoreOptions): Promise<RestoreSummary> {
  return new Restorer(reader, options).run();
}

class Restorer {
  private readonly files: FileTable;
  private readonly plan = new PackPlan();
  private readonly dirs: PlannedDir[] = [];
  private readonly dirPaths = new ByteArena();
  /** First planned file of each multiply linked inode ("device:inode"). */
  private readonly hardlinkFirst = new Map<string, number>();
  private readonly summary: RestoreSummary = {
    filesTotal: 0,
    bytesTotal: 0,
    filesDone: 0,
    bytesDone: 0,
    filesFailed: 0,
    filesUnchanged: 0,
    skipped: 0,
    deleted: 0,
    dirs: 0,
    others: 0,
    errors: 0,
    verified: 0,
  };
  private readonly target: Buffer;
  private readonly dry: boolean;
  private readonly overwrite: OverwriteMode;
  /** What the target has already. */
  private readonly inTarget: TargetEntries;
  /** New symlinks and directory metadata, written on the thread pool. */
  private readonly entries: EntryBatches;
  private readonly trees: TreePrefetch;

  constructor(
    private readonly reader: BlobReader,
    private readonly options: RestoreOptions,
  ) {
    this.files = new FileTable({ keepContent: options.verify ?? false });
    this.target = Buffer.from(options.target.replace(/\/+$/, '') || '/');
    this.dry = options.dryRun ?? false;
    this.overwrite = options.overwrite ?? 'always';
    this.trees = new TreePrefetch(reader, options.signal);
    this.inTarget = new TargetEntries({
      options,
      summary: this.summary,
      dry: this.dry,
      overwrite: this.overwrite,
      index: reader.index,
      fail: (path, err) => this.fail(path, err),
      relative: (path) => this.relative(path),
    });
    this.entries = new EntryBatches(this.metadataOptions().owner, { fail: (path, err) => this.fail(path, err), created: () => this.options.afterWrite?.() });
  }

  async run(): Promise<RestoreSummary> {
    // into a target that did not exist, nothing is in the way: no entry is looked up
    const targetExisted = this.dry ? lstatOrNull(this.target)?.isDirectory() === true : mkdirSync(this.target, { recursive: true }) === undefined;
    const base = this.options.basePath ?? Buffer.from('/');
    await this.walk(this.options.tree, base, this.target, this.options.include?.matches(base.toString()) ?? false, [], targetExisted);
    this.options.onProgress?.({ ...this.summary });
    if (!this.dry) {
      // the last symlinks are created while the first packs are read
      await this.entries.makeRoom();
      const writer = new FileWriter(this.files, this.options.sparse ?? true);
      let restoredBytes = 0;
      try {
        await new PackRestorer(
          this.reader,
          this.files,
          this.plan,
          writer,
          this.metadataOptions(),
          {
            fail: (path, err) => this.fail(path, err),
            warn: (message) => this.options.onWarning?.(message),
            wrote: (bytes) => {
              this.summary.bytesDone += bytes;
              this.options.afterWrite?.();
            },
            finished: (names, bytes) => {
              this.summary.filesDone += names;
              restoredBytes += bytes;
              this.options.onProgress?.({ ...this.summary });
              this.options.afterWrite?.();
            },
          },
          this.options.signal,
        ).run();
      } finally {
        writer.closeAll();
      }
      await this.entries.flush();
      // bytes of files that failed part way were written and then dropped: only finished files count
      this.summary.bytesDone = restoredBytes;
      for (let f = 0; f < this.files.length; f++) if (this.files.failed(f)) this.summary.filesFailed += 1 + this.files.hardlinks(f).length;
      await this.applyDirMetadata();
      if (this.options.verify) this.summary.verified = verifyRestoredFiles(this.files, this.reader.index, (path, err) => this.fail(path, err));
    }
    return this.summary;
  }

  /** Directory metadata, deepest first: in batches, or on the main thread (with extended attributes) in the same order. */
  private async applyDirMetadata(): Promise<void> {
    const xattrs = this.metadataOptions().xattrs;
    for (let i = this.dirs.length - 1; i >= 0; i--) {
      const d = this.dirs[i]!;
      const path = this.dirPaths.get(d.path);
      const times = xattrs && d.meta.extendedAttributes?.length ? undefined : timesOrUndefined(d.meta);
      if (this.entries.full) await this.entries.makeRoom();
      if (times && this.entries.dirMetadata(path, permFromFileMode(d.meta.mode), d.meta.uid, d.meta.gid, times)) continue;
      await this.entries.flush();
      this.warnAll(path, applyMetadata(path, d.meta, this.metadataOptions()));
    }
    await this.entries.flush();
  }

  private metadataOptions(): { owner: boolean; xattrs: boolean } {
    return { owner: this.options.owner ?? process.getuid?.() === 0, xattrs: this.options.xattrs ?? true };
  }

  /** Reports a problem with `path` (a target path, or a snapshot path while walking). */
  private fail(path: Buffer | string, err: unknown): void {
    this.summary.errors++;
    const e = err instanceof Error ? err : new Error(String(err));
    this.options.onError?.(this.relative(typeof path === 'string' ? Buffer.from(path) : path), withoutPath(e));
  }

  /** A target path as the snapshot names it ('/etc/app.conf' for TARGET/etc/app.conf): errors name that. */
  private relative(path: Buffer): string {
    const t = this.target;
    if (t.length === 1 && t[0] === 0x2f) return path.toString();
    if (path.length > t.length && path[t.length] === 0x2f && path.subarray(0, t.length).equals(t)) return path.subarray(t.length).toString();
    return path.toString();
  }

  private warnAll(path: Buffer, problems: Error[]): void {
    for (const p of problems) this.fail(path, p);
  }

  /**
   * Walks one tree. `included`: an ancestor matched --include (or there is no include filter).
   * `pending`: directories not created yet because nothing below them was selected so far.
   */
  private async walk(treeId: Id, snapPath: Buffer, dest: Buffer, included: boolean, pending: PendingDir[], destExists: boolean): Promise<void> {
    this.options.signal?.throwIfAborted();
    let nodes: Node[];
    try {
      nodes = await this.trees.load(treeId);
    } catch (err) {
      this.fail(snapPath, err);
      return;
    }
    const subtrees: Id[] = [];
    // with `only`, one entry of the tree is walked: nothing is loaded ahead
    if (!this.options.only) for (const node of nodes) if (node.type === 'dir' && node.subtree) subtrees.push(node.subtree);
    let hinted = this.trees.hint(subtrees, 0);
    try {
      await this.walkNodes(nodes, snapPath, dest, included, pending, destExists, () => (hinted = this.trees.hint(subtrees, hinted)));
    } finally {
      this.trees.forget(subtrees, hinted);
    }
  }

  /** The loop of `walk` over one tree's nodes; `hintMore` before each subtree walked. */
  private async walkNodes(nodes: Node[], snapPath: Buffer, dest: Buffer, included: boolean, pending: PendingDir[], destExists: boolean, hintMore: () => void): Promise<void> {
    const seen = new Set<string>();
    for (const node of nodes) {
      const nodeSnapPath = joinPath(snapPath, node.name);
      if (this.options.only && !node.name.equals(this.options.only)) continue;
      if (!isSafeName(node.name)) {
        this.fail(
          nodeSnapPath,
          new LifeboatError('E_UNSAFE_PATH', `refusing tree entry with unsafe name ${JSON.stringify(node.name.toString('latin1'))} in ${snapPath.toString()}: nothing of it is restored`),
        );
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
        const dir: PendingDir = { path: destPath, node, created: false };
        hintMore();
        if (selected) {
          if (!this.ensureDirs([...pending, dir])) continue;
          if (node.subtree) await this.walk(node.subtree, nodeSnapPath, destPath, true, [], dir.existed ?? true);
        } else if (node.subtree) {
          await this.walk(node.subtree, nodeSnapPath, destPath, false, [...pending, dir], true);
        }
        continue;
      }
      if (!selected) continue;
      if (!this.ensureDirs(pending)) continue;
      pending = [];
      if (this.entries.full) await this.entries.makeRoom();
      this.restoreNode(node, destPath, destExists);
    }
    if (destExists && !this.options.only && (included || !this.options.include)) this.inTarget.removeExtra(nodes, snapPath, dest);
  }

  /** Creates planned directories in order; false (and an error) when one cannot be used. */
  private ensureDirs(dirs: PendingDir[]): boolean {
    for (const d of dirs) {
      if (d.created) continue;
      if (!this.dry) {
        try {
          mkdirSync(d.path, { mode: 0o700 });
          this.options.afterWrite?.();
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !lstatSync(d.path).isDirectory()) {
            if (!this.inTarget.replaceInTheWay(d.path, err)) return false;
          } else {
            d.existed = true;
          }
        }
      } else {
        d.existed = lstatOrNull(d.path)?.isDirectory() === true;
      }
      d.existed ??= false;
      d.created = true;
      const { type, uid, gid, mode, mtime, atime, extendedAttributes } = d.node;
      this.dirs.push({ path: this.dirPaths.append(d.path), meta: { type, uid, gid, mode, mtime, atime, extendedAttributes } });
      this.summary.dirs++;
    }
    dirs.length = 0;
    return true;
  }

  private restoreNode(node: Node, dest: Buffer, destExists: boolean): void {
    if (node.type === 'socket') return; // restic does not restore sockets either
    const action = this.inTarget.existing(node, dest, destExists);
    if (action === undefined) return;
    this.options.onAction?.(action, this.relative(dest));
    if (action === 'skip') {
      this.summary.skipped++;
      return;
    }
    if (action === 'unchanged') {
      if (node.type === 'file') this.summary.filesUnchanged++;
      else this.summary.others++;
      if (!this.dry) this.warnAll(dest, applyMetadata(dest, node, this.metadataOptions()));
      return;
    }
    try {
      switch (node.type) {
        case 'file':
          this.planFile(node, dest, action === 'restore');
          return;
        case 'symlink':
          this.summary.others++;
          if (this.dry) return;
          if (action === 'restore' && this.batchSymlink(node, dest)) return;
          if (action !== 'restore') removeExisting(dest);
          symlinkSync(linkTargetBytes(node), dest);
          break;
        case 'fifo':
        case 'dev':
        case 'chardev': {
          this.summary.others++;
          if (this.dry) return;
          if (action !== 'restore') removeExisting(dest);
          const typeBits = node.type === 'fifo' ? 0o010000 : node.type === 'dev' ? 0o060000 : 0o020000;
          mknod(dest, typeBits | permFromFileMode(node.mode), node.device);
          break;
        }
        default:
          throw new LifeboatError('E_FORMAT', `unsupported node type ${JSON.stringify(node.type)}`);
      }
      this.options.afterWrite?.();
      this.warnAll(dest, applyMetadata(dest, node, this.metadataOptions()));
    } catch (err) {
      this.fail(dest, err);
    }
  }

  /** Adds a new symlink to the entry batches; false when it is created here instead. */
  private batchSymlink(node: Node, dest: Buffer): boolean {
    const times = timesOrUndefined(node);
    return times !== undefined && this.entries.symlink(dest, linkTargetBytes(node), node.uid, node.gid, times);
  }

  /** `isNew`: nothing is at `dest` (the file may be created under its final name). */
  private planFile(node: Node, dest: Buffer, isNew: boolean): void {
    this.summary.filesTotal++;
    const linkKey = node.links > 1n ? `${node.deviceId}:${node.inode}` : undefined;
    if (linkKey !== undefined) {
      const first = this.hardlinkFirst.get(linkKey);
      if (first !== undefined) {
        this.files.addHardlink(first, dest);
        return;
      }
    }
    const content = node.content ?? [];
    const file = this.files.add(dest, node, content.length, isNew);
    if (linkKey !== undefined) this.hardlinkFirst.set(linkKey, file);
    this.summary.bytesTotal += node.size;
    let offset = 0;
    for (const id of content) {
      const loc = this.reader.index.lookup('data', id);
      if (!loc) {
        this.files.markFailed(file);
        this.fail(dest, new IntegrityError(`data blob ${id} is not in the index`, { hint: 'run `lifeboat check`' }));
        return;
      }
      this.plan.add(file, offset, loc);
      offset += blobPlaintextLength(loc.length, loc.uncompressedLength);
    }
  }
}

/** A node's parsed times, or undefined when they do not parse (applyMetadata reports that). */
function timesOrUndefined(node: Pick<Node, 'mtime' | 'atime'>): NodeTimes | undefined {
  try {
    return parseNodeTimes(node);
  } catch {
    return undefined;
  }
}
