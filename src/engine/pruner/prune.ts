/**
 * Prune (restic's algorithm, simplified): drop blobs no snapshot references, in restic's safe
 * order so that an interruption at any point leaves a valid repository. Two phases:
 *
 *   planPrune    (plan-prune.ts) reads snapshots, trees, index files and the pack listing and
 *                decides what to delete and repack; it writes nothing (`--dry-run` stops here)
 *   executePrune (execute-prune.ts) carries a plan out: repacks, new index files, deletions
 */
import { type PruneRepository, type PrunePlanOptions, type PruneStats, planPrune } from './plan-prune.js';
import { type ExecutePruneOptions, executePrune } from './execute-prune.js';

export type { PruneRepository, PruneStats };

export interface PruneOptions extends PrunePlanOptions, ExecutePruneOptions {
  dryRun?: boolean;
}

/** Plans and, unless `dryRun`, executes a prune; returns the plan's figures (with `newPacks` after execution). */
export async function prune(repo: PruneRepository, options: PruneOptions = {}): Promise<PruneStats> {
  const plan = await planPrune(repo, options);
  if (options.dryRun) return { ...plan.stats };
  return executePrune(repo, plan, options);
}
