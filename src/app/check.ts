/** Use-case: check a repository's structure and, optionally, its data (under an exclusive lock). */
import { randomInt } from 'node:crypto';
import { type Id, LifeboatError } from '../core/index.js';
import { type CheckResult, type Finding, checkRepository } from '../engine/checker/index.js';
import { type Repository, RepositoryLock } from '../repository/index.js';
import { type EventHook, checkErrorEvent, checkEvent } from './events.js';

export interface CheckRequest {
  readData?: boolean;
  /** restic's --read-data-subset: 'N/M', 'P%' or a size such as '500M'. */
  readDataSubset?: string;
  signal?: AbortSignal;
  onFinding?: (f: Finding) => void;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
  /** Operations events (app/events.ts): check.passed or check.failed. */
  events?: EventHook;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A pack selector for --read-data-subset (packs are ~16 MiB, so a size selects size/16 MiB packs). */
export function subsetSelector(spec: string): (packId: Id, ordinal: number, total: number) => boolean {
  const frac = /^(\d+)\/(\d+)$/.exec(spec);
  if (frac) {
    const n = Number(frac[1]);
    const m = Number(frac[2]);
    if (m < 1 || n < 1 || n > m) throw new LifeboatError('E_USAGE', `invalid --read-data-subset ${spec}: want N/M with 1 ≤ N ≤ M`);
    return (id) => Number.parseInt(id.slice(0, 8), 16) % m === n - 1;
  }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(spec);
  if (pct) {
    const p = Number(pct[1]);
    if (p <= 0 || p > 100) throw new LifeboatError('E_USAGE', `invalid --read-data-subset ${spec}: want a percentage above 0 and at most 100`);
    return () => randomInt(1_000_000) < p * 10_000;
  }
  const size = /^(\d+)\s*([kmgt]?)i?b?$/i.exec(spec);
  if (size) {
    const bytes = Number(size[1]) * SIZE_UNITS[size[2]!.toLowerCase()]!;
    return (_id, _i, total) => randomInt(1_000_000) < Math.min(1, bytes / (16 * 1024 * 1024) / Math.max(1, total)) * 1_000_000;
  }
  throw new LifeboatError('E_USAGE', `invalid --read-data-subset ${JSON.stringify(spec)}`, { hint: "use 'N/M', 'P%' or a size such as '500M'" });
}

export async function checkRepositoryUseCase(repo: Repository, req: CheckRequest): Promise<CheckResult> {
  if (!req.events) return runCheck(repo, req);
  const started = Date.now();
  try {
    const result = await runCheck(repo, req);
    req.events(checkEvent(result, req.readDataSubset ?? (req.readData ? 'all' : null), Date.now() - started));
    return result;
  } catch (err) {
    req.events(checkErrorEvent(err, Date.now() - started));
    throw err;
  }
}

async function runCheck(repo: Repository, req: CheckRequest): Promise<CheckResult> {
  const selectPack = req.readDataSubset ? subsetSelector(req.readDataSubset) : undefined;
  const lock = await RepositoryLock.acquire(repo, { exclusive: true, signal: req.signal });
  try {
    return await checkRepository(repo, { readData: req.readData, selectPack, signal: req.signal, onFinding: req.onFinding, onProgress: req.onProgress });
  } finally {
    await lock.release();
  }
}
