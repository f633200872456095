/** Writes lock files as another restic process would (for lock interplay tests). */
import { openBackend } from '../../src/backend/location/index.js';
import type { Id } from '../../src/core/index.js';
import { Repository } from '../../src/repository/index.js';
import { encodeLock, formatGoTime, goTimeFromNs } from '../../src/repository/model/index.js';
import { TEST_PASSWORD } from './run.js';

export async function writeForeignLock(repoDir: string, lock: { exclusive: boolean; hostname: string; pid: number; username: string; ageMs?: number }): Promise<Id> {
  const backend = await openBackend(repoDir);
  try {
    const repo = await Repository.open(backend, { password: TEST_PASSWORD });
    const time = formatGoTime(goTimeFromNs(BigInt(Date.now() - (lock.ageMs ?? 0)) * 1_000_000n));
    return await repo.saveUnpacked('locks', encodeLock({ time, exclusive: lock.exclusive, hostname: lock.hostname, username: lock.username, pid: lock.pid }));
  } finally {
    await backend.close();
  }
}
