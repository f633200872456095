/** Use-case: remove unreferenced data (restic prune) and stale temporary files, under an exclusive lock. */
import { type PruneOptions, type PruneStats as PackStats, prune } from '../engine/pruner/index.js';
import { type Repository, RepositoryLock } from '../repository/index.js';
import { type EventHook, pruneErrorEvent, pruneEvent } from './events.js';

export type { MaxUnused } from '../engine/pruner/index.js';

/**
 * Temporary files of interrupted saves (a killed backup's `data/XX/<id>-tmp-<hex>`) older than
 * this are removed by prune; younger ones may belong to a save in progress.
 */
export const STALE_TEMPORARY_AGE_MS = 60 * 60 * 1000;

export interface PruneStats extends PackStats {
  /** Stale temporary files removed (in a dry run: found). */
  staleTemporaries: number;
  staleTemporaryBytes: number;
}

/** Prunes; with `events`, also emits prune.done or prune.failed (app/events.ts). */
export async function pruneRepository(repo: Repository, options: PruneOptions & { events?: EventHook }): Promise<PruneStats> {
  const { events } = options;
  if (!events) return runPrune(repo, options);
  const started = Date.now();
  try {
    const stats = await runPrune(repo, options);
    events(pruneEvent(stats, options.dryRun ?? false, Date.now() - started));
    return stats;
  } catch (err) {
    events(pruneErrorEvent(err, Date.now() - started));
    throw err;
  }
}

async function runPrune(repo: Repository, options: PruneOptions): Promise<PruneStats> {
  const lock = await RepositoryLock.acquire(repo, { exclusive: true, signal: options.signal });
  try {
    await repo.loadIndex({ signal: options.signal });
    const stats = await prune(repo, options);
    const stale = await repo.removeStaleTemporaries(STALE_TEMPORARY_AGE_MS, { dryRun: options.dryRun, signal: options.signal });
    return { ...stats, staleTemporaries: stale.count, staleTemporaryBytes: stale.bytes };
  } finally {
    await lock.release();
  }
}
