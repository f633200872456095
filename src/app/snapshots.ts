/** Use-case: list snapshots. */
import type { Id } from '../core/index.js';
import { type Repository, type SnapshotEntry, type SnapshotFilter, loadSnapshots } from '../repository/index.js';
import { snapshotToResticJson } from '../repository/model/index.js';

export async function listSnapshots(
  repo: Repository,
  filter: SnapshotFilter,
  options: { signal?: AbortSignal; onError?: (id: Id, err: unknown) => void } = {},
): Promise<SnapshotEntry[]> {
  return loadSnapshots(repo, filter, options);
}

export function snapshotJson(e: SnapshotEntry): Record<string, unknown> {
  return snapshotToResticJson(e.snapshot, e.id);
}
