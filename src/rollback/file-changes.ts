/**
 * What changed in the live filesystem since a snapshot: a merge walk of each snapshot directory
 * (tree nodes, sorted by name bytes) against the live directory (readdir, sorted the same way),
 * one directory at a time, so memory follows the widest directory, not the whole tree.
 *
 * A file is unchanged when its type, size, mtime (to the nanosecond), permission bits and owner
 * equal the snapshot's (the test backup uses to skip reading a file); a symlink when its target
 * does too. Directories are compared by permissions and owner only (their mtime moves whenever
 * an entry does). A subtree that exists on one side only is reported once, at its top.
 */
import { lstat, readdir, readlink } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { type Id, errnoCode } from '../core/index.js';
import { type TreeLoader, findNode, joinPath } from '../engine/walker/index.js';
import { type Node, goTimeToNs, linkTargetBytes, parseGoTime, permFromFileMode } from '../repository/model/index.js';

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

function liveType(st: BigIntStats): string {
  return TYPE_OF[Number(st.mode) & TYPE_BITS] ?? 'irregular';
}

/** What backup skips by design (sockets, as restic does) is not part of the comparison either. */
function skippedByBackup(st: BigIntStats): boolean {
  return st.isSocket();
}

async function lstatOrNull(path: Buffer): Promise<BigIntStats | null> {
  try {
    return await lstat(path, { bigint: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return null;
    throw err;
  }
}

/** Why `node` and the live entry differ ('' when they do not); content first, then metadata. */
async function difference(node: Node, st: BigIntStats, path: Buffer): Promise<{ kind: FileChangeKind; detail: string } | null> {
  const type = liveType(st);
  if (type !== node.type) return { kind: 'changed', detail: `type ${node.type} → ${type}` };
  if (node.type === 'file') {
    if (BigInt(node.size ?? 0) !== st.size) return { kind: 'changed', detail: `size ${node.size ?? 0} → ${st.size}` };
    if (goTimeToNs(parseGoTime(node.mtime)) !== st.mtimeNs) return { kind: 'changed', detail: 'modification time' };
  } else if (node.type === 'symlink') {
    const target = await readlink(path, { encoding: 'buffer' });
    if (!target.equals(linkTargetBytes(node))) return { kind: 'changed', detail: 'link target' };
  }
  if (node.type === 'symlink') return null;
  const mode = Number(st.mode) & 0o7777;
  const want = permFromFileMode(node.mode);
  if (mode !== want) return { kind: 'metadata', detail: `mode ${want.toString(8)} → ${mode.toString(8)}` };
  if (BigInt(node.uid) !== st.uid || BigInt(node.gid) !== st.gid) return { kind: 'metadata', detail: `owner ${node.uid}:${node.gid} → ${st.uid}:${st.gid}` };
  return null;
}

/**
 * Yields the differences between the snapshot's copy of each of `roots` and the live filesystem.
 * `roots` are absolute paths as the snapshot recorded them (a files source's `files`).
 */
export async function* diffLiveAgainstSnapshot(loader: TreeLoader, snapshotTree: Id, roots: readonly string[], options: FileChangeOptions = {}): AsyncGenerator<FileChange> {
  for (const root of roots) {
    const path = Buffer.from(root);
    const node = await findNode(loader, snapshotTree, path, options.signal);
    const st = await lstatOrNull(path);
    if (!node) {
      if (st && !skippedByBackup(st)) yield { path, kind: 'added', type: liveType(st), detail: 'not in the snapshot' };
      continue;
    }
    yield* compareEntry(loader, node, path, st, options);
  }
}

async function* compareEntry(loader: TreeLoader, node: Node, path: Buffer, st: BigIntStats | null, options: FileChangeOptions): AsyncGenerator<FileChange> {
  if (options.excluded?.(path.toString())) return;
  if (!st) {
    yield { path, kind: 'deleted', type: node.type, detail: 'missing' };
    return;
  }
  const diff = await difference(node, st, path);
  if (diff) yield { path, kind: diff.kind, type: node.type, detail: diff.detail };
  if (node.type === 'dir' && liveType(st) === 'dir' && diff?.kind !== 'changed') yield* compareDirectory(loader, node, path, options);
}

async function* compareDirectory(loader: TreeLoader, dirNode: Node, path: Buffer, options: FileChangeOptions): AsyncGenerator<FileChange> {
  options.signal?.throwIfAborted();
  const nodes = dirNode.subtree ? await loader.loadTree(dirNode.subtree, options.signal) : [];
  const live = (await readdir(path, { encoding: 'buffer' })).sort((a, b) => Buffer.compare(a, b));
  let i = 0;
  let j = 0;
  while (i < nodes.length || j < live.length) {
    const node = nodes[i];
    const name = live[j];
    const cmp = !node ? 1 : !name ? -1 : Buffer.compare(node.name, name);
    if (cmp < 0) {
      const p = joinPath(path, node!.name);
      if (!options.excluded?.(p.toString())) yield { path: p, kind: 'deleted', type: node!.type, detail: 'missing' };
      i++;
    } else if (cmp > 0) {
      const p = joinPath(path, name!);
      const st = await lstatOrNull(p);
      if (st && !skippedByBackup(st) && !options.excluded?.(p.toString())) yield { path: p, kind: 'added', type: liveType(st), detail: 'not in the snapshot' };
      j++;
    } else {
      const p = joinPath(path, name!);
      yield* compareEntry(loader, node!, p, await lstatOrNull(p), options);
      i++;
      j++;
    }
  }
}
