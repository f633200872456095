/** Use-case: what changed between two snapshots (restic diff). */
import { type Change, diffTrees } from '../engine/walker/index.js';
import { type Repository, type SnapshotEntry, findSnapshot } from '../repository/index.js';

export interface DiffStats {
  added: number;
  removed: number;
  modified: number;
  typeChanged: number;
  metadata: number;
  addedBytes: number;
  removedBytes: number;
}

export interface SnapshotDiff {
  from: SnapshotEntry;
  to: SnapshotEntry;
  changes: AsyncIterable<Change>;
  /** Filled in while `changes` is consumed. */
  stats: DiffStats;
}

export async function diffSnapshots(repo: Repository, a: string, b: string, signal?: AbortSignal): Promise<SnapshotDiff> {
  const from = await findSnapshot(repo, a, {}, signal);
  const to = await findSnapshot(repo, b, {}, signal);
  await repo.loadIndex({ signal });
  const stats: DiffStats = { added: 0, removed: 0, modified: 0, typeChanged: 0, metadata: 0, addedBytes: 0, removedBytes: 0 };
  async function* changes(): AsyncGenerator<Change> {
    for await (const c of diffTrees(repo, from.snapshot.tree, to.snapshot.tree, Buffer.from('/'), signal)) {
      if (c.kind === 'added') {
        stats.added++;
        stats.addedBytes += c.after?.size ?? 0;
      } else if (c.kind === 'removed') {
        stats.removed++;
        stats.removedBytes += c.before?.size ?? 0;
      } else if (c.kind === 'modified') {
        stats.modified++;
        stats.addedBytes += c.after?.size ?? 0;
        stats.removedBytes += c.before?.size ?? 0;
      } else if (c.kind === 'type') stats.typeChanged++;
      else stats.metadata++;
      yield c;
    }
  }
  return { from, to, changes: changes(), stats };
}
