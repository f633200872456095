/** Use-case: rebuild the index from the packs (restic repair index), under an exclusive lock. */
import { type RepairIndexResult, repairIndex } from '../engine/pruner/index.js';
import { type Repository, RepositoryLock } from '../repository/index.js';

export type { RepairIndexResult };

export async function repairRepositoryIndex(repo: Repository, options: { readAllPacks?: boolean; signal?: AbortSignal }): Promise<RepairIndexResult> {
  const lock = await RepositoryLock.acquire(repo, { exclusive: true, signal: options.signal });
  try {
    return await repairIndex(repo, options);
  } finally {
    await lock.release();
  }
}
