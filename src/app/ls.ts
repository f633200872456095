/** Use-case: list the nodes of a snapshot (recursively), optionally below a path. */
import { type WalkEntry, joinPath, walkTree } from '../engine/walker/index.js';
import type { Repository, SnapshotEntry, SnapshotFilter } from '../repository/index.js';
import { nodeToResticJson, snapshotToResticJson } from '../repository/model/index.js';
import { resolveSnapshotPath } from './snapshot-ref.js';

export interface LsRequest {
  snapshot: string;
  path?: string;
  filter?: SnapshotFilter;
  recursive?: boolean;
  signal?: AbortSignal;
}

export interface LsListing {
  entry: SnapshotEntry;
  entries: AsyncIterable<WalkEntry>;
}

export async function listSnapshot(repo: Repository, req: LsRequest): Promise<LsListing> {
  const resolved = await resolveSnapshotPath(repo, req.snapshot, req.path, req.filter ?? {}, req.signal);
  const recursive = req.recursive ?? true;
  const descend = (): boolean => recursive;
  async function* entries(): AsyncGenerator<WalkEntry> {
    const node = resolved.node;
    if (!node) {
      yield* walkTree(repo, resolved.entry.snapshot.tree, Buffer.from('/'), { signal: req.signal, descend });
      return;
    }
    const top = { path: resolved.path, node };
    yield top;
    if (node.type === 'dir' && node.subtree) yield* walkTree(repo, node.subtree, resolved.path, { signal: req.signal, descend });
  }
  return { entry: resolved.entry, entries: entries() };
}

/** The lines `restic ls --json` prints: the snapshot, then one object per node. */
export function lsSnapshotJson(entry: SnapshotEntry): Record<string, unknown> {
  return { ...snapshotToResticJson(entry.snapshot, entry.id), struct_type: 'snapshot' };
}

export function lsNodeJson(e: WalkEntry): Record<string, unknown> {
  return nodeToResticJson(e.node, e.path.toString());
}

export { joinPath };
