/**
 * Use-case: sizes of snapshots (restic stats): `restore-size` adds up the files as they would be
 * restored; `raw-data` adds up the unique blobs they reference, as stored (after compression).
 */
import type { Id } from '../core/index.js';
import { walkTree } from '../engine/walker/index.js';
import { BlobSet, type Repository, type SnapshotFilter, findSnapshot, loadSnapshots } from '../repository/index.js';

export type StatsMode = 'restore-size' | 'raw-data';

export interface StatsResult {
  mode: StatsMode;
  snapshots: number;
  files: number;
  totalSize: number;
  /** raw-data: unique blobs counted. */
  blobs: number;
}

export async function snapshotStats(repo: Repository, req: { mode: StatsMode; snapshots?: string[]; filter?: SnapshotFilter; signal?: AbortSignal }): Promise<StatsResult> {
  const entries = req.snapshots?.length ? await Promise.all(req.snapshots.map((r) => findSnapshot(repo, r, {}, req.signal))) : await loadSnapshots(repo, req.filter ?? {}, { signal: req.signal });
  await repo.loadIndex({ signal: req.signal });
  const seen = new BlobSet();
  const result: StatsResult = { mode: req.mode, snapshots: entries.length, files: 0, totalSize: 0, blobs: 0 };
  const countBlob = (type: 'data' | 'tree', id: Id): void => {
    if (!seen.add(type, id)) return;
    const loc = repo.index.lookup(type, id);
    if (!loc) return;
    result.blobs++;
    result.totalSize += loc.length;
  };
  for (const { snapshot } of entries) {
    if (req.mode === 'raw-data') countBlob('tree', snapshot.tree);
    for await (const { node } of walkTree(repo, snapshot.tree, Buffer.from('/'), { signal: req.signal })) {
      if (req.mode === 'restore-size') {
        if (node.type === 'file') {
          result.files++;
          result.totalSize += node.size;
        }
        continue;
      }
      if (node.type === 'file') {
        result.files++;
        for (const id of node.content ?? []) countBlob('data', id);
      } else if (node.type === 'dir' && node.subtree) {
        countBlob('tree', node.subtree);
      }
    }
  }
  return result;
}
