/** Use-cases: list the repository's locks and remove stale ones (restic unlock). */
import { NotFoundError } from '../core/index.js';
import { type LockInfo, type Repository, describeLock, listLocks } from '../repository/index.js';

export { describeLock };
export type { LockInfo };

export function listRepositoryLocks(repo: Repository, signal?: AbortSignal): Promise<LockInfo[]> {
  return listLocks(repo, signal);
}

/** Removes stale locks, or every lock with `removeAll`; returns the removed ones. */
export async function unlockRepository(repo: Repository, options: { removeAll?: boolean; signal?: AbortSignal } = {}): Promise<LockInfo[]> {
  const removed: LockInfo[] = [];
  for (const l of await listLocks(repo, options.signal)) {
    if (!options.removeAll && !l.stale) continue;
    try {
      await repo.removeFile('locks', l.id, options.signal);
      removed.push(l);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return removed;
}
