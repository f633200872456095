/**
 * Use-case: forget snapshots by policy (restic forget) or by ID, under an exclusive lock.
 * Only snapshot files are removed; the data they referenced stays until a prune. Snapshots of a
 * restore point (tag lifeboat-pinned) are never removed: a policy keeps them, naming the point,
 * and naming one explicitly is an error until `point release`.
 */
import { LifeboatError } from '../core/index.js';
import { PINNED_TAG, pointIdOfTags } from '../rollback/index.js';
import { type ForgetPolicy, applyPolicy, policyIsEmpty } from '../engine/pruner/index.js';
import { type GroupField, groupSnapshots } from './snapshots.js';
import { type Repository, RepositoryLock, type SnapshotEntry, type SnapshotFilter, findSnapshot, loadSnapshots, snapshotTimeNs } from '../repository/index.js';

export { type GroupField, parseGroupBy } from './snapshots.js';

export interface ForgetRequest {
  policy: ForgetPolicy;
  /** Explicit snapshots to forget (IDs or prefixes); the policy is then not applied. */
  snapshots?: string[];
  groupBy?: GroupField[];
  filter?: SnapshotFilter;
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface ForgetGroup {
  host?: string;
  paths?: string[];
  tags?: string[];
  keep: { entry: SnapshotEntry; reasons: string[] }[];
  remove: SnapshotEntry[];
}

export async function forgetSnapshots(repo: Repository, req: ForgetRequest): Promise<ForgetGroup[]> {
  const explicit = req.snapshots ?? [];
  if (explicit.length === 0 && policyIsEmpty(req.policy)) {
    throw new LifeboatError('E_USAGE', 'no policy was specified, no snapshots will be removed', { hint: 'give --keep-* options or snapshot IDs' });
  }
  const lock = req.dryRun ? undefined : await RepositoryLock.acquire(repo, { exclusive: true, signal: req.signal });
  try {
    let groups: ForgetGroup[];
    if (explicit.length) {
      const remove: SnapshotEntry[] = [];
      for (const ref of explicit) {
        const entry = await findSnapshot(repo, ref, {}, req.signal);
        if (entry.snapshot.tags?.includes(PINNED_TAG)) {
          const point = pointIdOfTags(entry.snapshot.tags);
          throw new LifeboatError('E_PINNED', `snapshot ${entry.id.slice(0, 8)} belongs to restore point ${point ?? '?'} and is pinned`, {
            hint: `release the point first: lifeboat point release ${point ?? 'ID'}`,
          });
        }
        remove.push(entry);
      }
      groups = [{ keep: [], remove }];
    } else {
      const all = await loadSnapshots(repo, req.filter ?? {}, { signal: req.signal });
      groups = [];
      for (const { key, entries } of groupSnapshots(all, req.groupBy ?? ['host', 'paths']).values()) {
        const newestFirst = [...entries].sort((a, b) => {
          const d = snapshotTimeNs(b.snapshot) - snapshotTimeNs(a.snapshot);
          return d > 0n ? 1 : d < 0n ? -1 : 0;
        });
        const decisions = applyPolicy(newestFirst.map((e) => e.snapshot), req.policy);
        const group: ForgetGroup = { ...key, keep: [], remove: [] };
        newestFirst.forEach((entry, i) => {
          const d = decisions[i]!;
          if (d.keep) group.keep.push({ entry, reasons: d.reasons });
          else if (entry.snapshot.tags?.includes(PINNED_TAG)) group.keep.push({ entry, reasons: [`pinned by restore point ${pointIdOfTags(entry.snapshot.tags) ?? '?'}`] });
          else group.remove.push(entry);
        });
        groups.push(group);
      }
    }
    if (!req.dryRun) {
      for (const g of groups) for (const e of g.remove) await repo.removeFile('snapshots', e.id, req.signal);
    }
    return groups;
  } finally {
    await lock?.release();
  }
}

