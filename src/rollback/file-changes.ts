/**
 * What changed in the live filesystem since a snapshot: a merge walk of each snapshot directory
 * (tree nodes, sorted by name bytes) against the live directory (sorted the same way), so memory
 * follows the widest directories on the walk's path, not the whole tree.
 *
 * The live side is listed the way backup lists it (the archiver's DirScanner: readdir and every
 * entry's lstat in one thread-pool request, directories listed ahead of the walk in its order);
 * the snapshot side loads the next subtrees ahead of the walk (TreePrefetch). Only a symlink whose
 * type is unchanged costs a system call of its own (readlink).
 *
 * A file is unchanged when its type, size, mtime (to the nanosecond), permission bits and owner
 * equal the snapshot's (the test backup uses to skip reading a file); a symlink when its target
 * does too. Directories are compared by permissions and owner only (their mtime moves whenever
 * an entry does). A subtree that exists on one side only is reported once, at its top.
 *
 * Entries that vanish while the walk runs are missing: a directory gone (or no longer a
 * directory) between its parent's listing and its own is reported `deleted`, as is an entry gone
 * between its directory's readdir and its lstat. Any other failure to list a directory or to
 * stat an entry (EACCES, EIO, …) ends the comparison with that error and its path: a plan that
 * cannot see part of the tree is not a plan.
 */
import { readlink } from 'node:fs/promises';
import { type Id, errnoCode } from '../core/index.js';
import { DirScanner } from '../engine/archiver/index.js';
import { type TreeLoader, TreePrefetch, findNode, joinPath } from '../engine/walker/index.js';
import { type DirScan, STAT, lstatInto } from '../native/index.js';
import { type Node, goTimeEquals, linkTargetBytes, permFromFileMode } from '../repository/model/index.js';

export type FileChangeKind = 'changed' | 'metadata' | 'added' | 'deleted';

export interface FileChange {
  /** Absolute live path (raw bytes; names need not be UTF-8). */
  path: Buffer;
  kind: FileChangeKind;
  /** Type of the entry in the snapshot (changed, metadata, deleted) or live (added). */
  type: string;
  /** What differs, for people: "size 10 → 12", "mtime", "mode 0644 → 0600". */
  detail: string;
}

export interface FileChangeOptions {
  signal?: AbortSignal;
  /** Paths never reported (the plan's excludes). */
  excluded?: (path: string) => boolean;
}

/** An entry's lstat fields as the native addon delivers them (indices in STAT). */
type LiveStat = BigUint64Array;

interface Difference {
  kind: FileChangeKind;
  detail: string;
}

const TYPE_BITS = 0o170000;
const TYPE_OF: Record<number, string> = {
  0o100000: 'file',
  0o040000: 'dir',
  0o120000: 'symlink',
  0o010000: 'fifo',
  0o060000: 'dev',
  0o020000: 'chardev',
  0o140000: 'socket',
};

function liveType(st: LiveStat): string {
  return TYPE_OF[Number(st[STAT.mode]) & TYPE_BITS] ?? 'irregular';
}

/** What backup skips by design (sockets, as restic does) is not part of the comparison either. */
function skippedByBackup(st: LiveStat): boolean {
  return liveType(st) === 'socket';
}

/** The entry vanished (or a path component is no longer a directory). */
function isGone(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function lstatOrNull(path: Buffer): LiveStat | null {
  const st: LiveStat = new BigUint64Array(16);
  try {
    lstatInto(path, st);
    return st;
  } catch (err) {
    if (isGone(err)) return null;
    throw err;
  }
}

/**
 * Why `node` and the live entry differ (null when they do not), content first, then metadata.
 * A symlink's target is not looked at here (see linkDifference).
 */
function difference(node: Node, st: LiveStat): Difference | null {
  const type = liveType(st);
  if (type !== node.type) return { kind: 'changed', detail: `type ${node.type} → ${type}` };
  if (node.type === 'symlink') return null;
  if (node.type === 'file') {
    const size = st[STAT.size]!;
    if (BigInt(node.size ?? 0) !== size) return { kind: 'changed', detail: `size ${node.size ?? 0} → ${size}` };
    if (!goTimeEquals(node.mtime, Number(BigInt.asIntN(64, st[STAT.mtimeSec]!)), Number(st[STAT.mtimeNsec]!))) return { kind: 'changed', detail: 'modification time' };
  }
  const mode = Number(st[STAT.mode]) & 0o7777;
  const want = permFromFileMode(node.mode);
  if (mode !== want) return { kind: 'metadata', detail: `mode ${want.toString(8)} → ${mode.toString(8)}` };
  const uid = st[STAT.uid]!;
  const gid = st[STAT.gid]!;
  if (BigInt(node.uid) !== uid || BigInt(node.gid) !== gid) return { kind: 'metadata', detail: `owner ${node.uid}:${node.gid} → ${uid}:${gid}` };
  return null;
}

/** A symlink of the snapshot that is a symlink live too: its target; null when it vanished. */
async function linkDifference(node: Node, path: Buffer): Promise<Difference | 'gone' | null> {
  let target: Buffer;
  try {
    target = await readlink(path, { encoding: 'buffer' });
  } catch (err) {
    if (isGone(err)) return 'gone';
    throw err;
  }
  return target.equals(linkTargetBytes(node)) ? null : { kind: 'changed', detail: 'link target' };
}

/**
 * Yields the differences between the snapshot's copy of each of `roots` and the live filesystem.
 * `roots` are absolute paths as the snapshot recorded them (a files source's `files`).
 */
export async function* diffLiveAgainstSnapshot(loader: TreeLoader, snapshotTree: Id, roots: readonly string[], options: FileChangeOptions = {}): AsyncGenerator<FileChange> {
  for (const root of roots) {
    const path = Buffer.from(root);
    const node = await findNode(loader, snapshotTree, path, options.signal);
    const st = lstatOrNull(path);
    if (!node) {
      if (st && !skippedByBackup(st)) yield { path, kind: 'added', type: liveType(st), detail: 'not in the snapshot' };
      continue;
    }
    if (options.excluded?.(root)) continue;
    if (!st) {
      yield { path, kind: 'deleted', type: node.type, detail: 'missing' };
      continue;
    }
    yield* new LiveComparison(loader, options).entry(node, path, st);
  }
}

/** One root's walk: the live listings and the snapshot trees, each loaded ahead of it. */
class LiveComparison {
  private readonly scanner: DirScanner;
  private readonly trees: TreePrefetch;

  constructor(
    loader: TreeLoader,
    private readonly options: FileChangeOptions,
  ) {
    // extended attributes are not compared: the listings skip their llistxattr per entry
    this.scanner = new DirScanner((path) => this.isExcluded(path), { xattrs: false });
    this.trees = new TreePrefetch(loader, options.signal);
  }

  private isExcluded(path: Buffer): boolean {
    return this.options.excluded?.(path.toString()) ?? false;
  }

  /** An entry present on both sides and not excluded; `hintMore` before a directory is entered. */
  async *entry(node: Node, path: Buffer, st: LiveStat, hintMore?: () => void): AsyncGenerator<FileChange> {
    const diff = node.type === 'symlink' ? await this.symlinkDifference(node, path, st) : difference(node, st);
    if (node.type === 'dir' && diff?.kind !== 'changed') {
      hintMore?.();
      yield* this.directory(node, path, diff);
    } else if (diff) yield { path, kind: diff.kind, type: node.type, detail: diff.detail };
  }

  private async symlinkDifference(node: Node, path: Buffer, st: LiveStat): Promise<Difference | null> {
    const diff = difference(node, st);
    if (diff) return diff;
    const link = await linkDifference(node, path);
    return link === 'gone' ? { kind: 'deleted', detail: 'missing' } : link;
  }

  /**
   * A directory of the snapshot that is a directory live: its own difference (`diff`, metadata
   * only), then its entries. Gone by the time it is listed: reported missing.
   */
  private async *directory(dirNode: Node, path: Buffer, diff: Difference | null): AsyncGenerator<FileChange> {
    this.options.signal?.throwIfAborted();
    const listed = this.scanner.list(path).catch((err: unknown) => {
      if (isGone(err)) return null;
      throw err;
    });
    const [nodes, scan] = await Promise.all([dirNode.subtree ? this.trees.load(dirNode.subtree) : [], listed]);
    if (!scan) {
      yield { path, kind: 'deleted', type: dirNode.type, detail: 'missing' };
      return;
    }
    if (diff) yield { path, kind: diff.kind, type: dirNode.type, detail: diff.detail };
    const subtrees: Id[] = [];
    for (const node of nodes) if (node.type === 'dir' && node.subtree) subtrees.push(node.subtree);
    let hinted = this.trees.hint(subtrees, 0);
    try {
      yield* this.entries(nodes, scan, path, () => (hinted = this.trees.hint(subtrees, hinted)));
    } finally {
      this.trees.forget(subtrees, hinted);
    }
  }

  /** The merge of a directory's snapshot nodes with its live entries; `hintMore` before each subdirectory. */
  private async *entries(nodes: Node[], scan: DirScan, dir: Buffer, hintMore: () => void): AsyncGenerator<FileChange> {
    let i = 0;
    let j = 0;
    while (i < nodes.length || j < scan.count) {
      const node = nodes[i];
      const name = j < scan.count ? scan.name(j) : undefined;
      const cmp = !node ? 1 : !name ? -1 : Buffer.compare(node.name, name);
      if (cmp < 0) {
        const p = joinPath(dir, node!.name);
        if (!this.isExcluded(p)) yield { path: p, kind: 'deleted', type: node!.type, detail: 'missing' };
        i++;
        continue;
      }
      const p = joinPath(dir, name!);
      const st = this.liveStat(scan, j);
      j++;
      if (cmp > 0) {
        if (st && !skippedByBackup(st) && !this.isExcluded(p)) yield { path: p, kind: 'added', type: liveType(st), detail: 'not in the snapshot' };
        continue;
      }
      i++;
      if (this.isExcluded(p)) continue;
      if (!st) {
        yield { path: p, kind: 'deleted', type: node!.type, detail: 'missing' };
        continue;
      }
      // inline for what needs no I/O of its own: no generator per entry
      if (node!.type === 'dir' || node!.type === 'symlink') {
        yield* this.entry(node!, p, st, hintMore);
        continue;
      }
      const diff = difference(node!, st);
      if (diff) yield { path: p, kind: diff.kind, type: node!.type, detail: diff.detail };
    }
  }

  /** Entry `j`'s lstat from the listing; null when it vanished between readdir and lstat. */
  private liveStat(scan: DirScan, j: number): LiveStat | null {
    if (scan.ok(j)) return scan.stat(j);
    const err = scan.error(j);
    if (isGone(err)) return null;
    throw err;
  }
}
