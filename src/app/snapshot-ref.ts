/**
 * Resolving `SNAPSHOT[:PATH]` arguments: a snapshot reference ('latest', an ID or a prefix),
 * optionally followed by a path inside it, to the tree to work on.
 */
import { type Id, LifeboatError } from '../core/index.js';
import { findNode, splitPath } from '../engine/walker/index.js';
import { type Repository, type SnapshotEntry, type SnapshotFilter, findSnapshot } from '../repository/index.js';
import type { Node } from '../repository/model/index.js';

export interface ResolvedPath {
  entry: SnapshotEntry;
  /** Normalised path inside the snapshot, '/' for the root. */
  path: Buffer;
  /** The node at `path`; undefined for the root. */
  node: Node | undefined;
  /** Tree that contains `node` (the snapshot tree for the root). */
  parentTree: Id;
  /** Path of `parentTree` inside the snapshot. */
  parentPath: Buffer;
}

export function splitSnapshotArg(arg: string): { ref: string; path: string | undefined } {
  const colon = arg.indexOf(':');
  return colon < 0 ? { ref: arg, path: undefined } : { ref: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

/** Resolves a snapshot and a path inside it. */
export async function resolveSnapshotPath(repo: Repository, ref: string, path: string | undefined, filter: SnapshotFilter, signal?: AbortSignal): Promise<ResolvedPath> {
  const entry = await findSnapshot(repo, ref, filter, signal);
  await repo.loadIndex({ signal });
  const parts = splitPath(Buffer.from(path ?? '/'));
  if (parts.length === 0) {
    return { entry, path: Buffer.from('/'), node: undefined, parentTree: entry.snapshot.tree, parentPath: Buffer.from('/') };
  }
  const parentPath = Buffer.concat(parts.slice(0, -1).flatMap((p) => [Buffer.from('/'), p]));
  const normalised = Buffer.concat(parts.flatMap((p) => [Buffer.from('/'), p]));
  let parentTree: Id = entry.snapshot.tree;
  if (parts.length > 1) {
    const parent = await findNode(repo, entry.snapshot.tree, parentPath, signal);
    if (!parent || parent.type !== 'dir' || !parent.subtree) throw notFound(entry.id, normalised);
    parentTree = parent.subtree;
  }
  // the last name looked up in its parent tree, streamed (the parent may be a huge directory)
  const node = await findNode(repo, parentTree, parts.at(-1)!, signal);
  if (!node) throw notFound(entry.id, normalised);
  return { entry, path: normalised, node, parentTree, parentPath: parentPath.length ? parentPath : Buffer.from('/') };
}

function notFound(id: Id, path: Buffer): LifeboatError {
  return new LifeboatError('E_NOT_FOUND', `path ${path.toString()} not found in snapshot ${id.slice(0, 8)}`, {
    hint: 'list the snapshot with `lifeboat ls`',
  });
}

/** The whole content of a (small) file in a snapshot: manifests, inventory documents. */
export async function readSnapshotFile(repo: Repository, ref: string, path: string, filter: SnapshotFilter = {}, signal?: AbortSignal): Promise<{ entry: SnapshotEntry; data: Buffer }> {
  const resolved = await resolveSnapshotPath(repo, ref, path, filter, signal);
  if (resolved.node?.type !== 'file') throw notFound(resolved.entry.id, resolved.path);
  const parts: Buffer[] = [];
  for (const id of resolved.node.content ?? []) parts.push(await repo.loadBlob('data', id, signal));
  return { entry: resolved.entry, data: Buffer.concat(parts) };
}
