/**
 * Finding snapshots: load all snapshot files, filter by host, tags and paths like restic, and
 * resolve a reference ('latest', a full ID or a unique prefix).
 */
import { type Id, LifeboatError } from '../core/index.js';
import { type Snapshot, goTimeToNs, parseGoTime } from './model/index.js';
import type { Repository } from './repository.js';

export interface SnapshotFilter {
  hosts?: readonly string[];
  /** Each inner list must be contained in the snapshot's tags; any one list suffices (restic --tag a,b --tag c). */
  tags?: readonly (readonly string[])[];
  /** Every path listed must be among the snapshot's paths. */
  paths?: readonly string[];
}

export interface SnapshotEntry {
  id: Id;
  snapshot: Snapshot;
}

export function snapshotMatches(s: Snapshot, filter: SnapshotFilter): boolean {
  if (filter.hosts?.length && !filter.hosts.includes(s.hostname ?? '')) return false;
  if (filter.paths?.length && !filter.paths.every((p) => s.paths.includes(p))) return false;
  if (filter.tags?.length) {
    const tags = s.tags ?? [];
    if (!filter.tags.some((group) => group.every((t) => tags.includes(t)))) return false;
  }
  return true;
}

export function snapshotTimeNs(s: Snapshot): bigint {
  return goTimeToNs(parseGoTime(s.time));
}

/** All snapshots matching `filter`, oldest first. Unreadable snapshot files go to `onError`, or throw. */
export async function loadSnapshots(repo: Repository, filter: SnapshotFilter = {}, options: { signal?: AbortSignal; onError?: (id: Id, err: unknown) => void } = {}): Promise<SnapshotEntry[]> {
  const out: SnapshotEntry[] = [];
  for await (const id of repo.listIds('snapshots', options.signal)) {
    try {
      const snapshot = await repo.loadSnapshot(id, options.signal);
      if (snapshotMatches(snapshot, filter)) out.push({ id, snapshot });
    } catch (err) {
      if (!options.onError) throw err;
      options.onError(id, err);
    }
  }
  out.sort((a, b) => {
    const d = snapshotTimeNs(a.snapshot) - snapshotTimeNs(b.snapshot);
    return d < 0n ? -1 : d > 0n ? 1 : a.id < b.id ? -1 : 1;
  });
  return out;
}

/** Resolves 'latest' (newest matching `filter`), a full ID or a unique ID prefix. */
export async function findSnapshot(repo: Repository, ref: string, filter: SnapshotFilter = {}, signal?: AbortSignal): Promise<SnapshotEntry> {
  if (ref === 'latest') {
    const all = await loadSnapshots(repo, filter, { signal });
    const last = all.at(-1);
    if (!last) throw new LifeboatError('E_SNAPSHOT_NOT_FOUND', 'no snapshot matched the filter', { hint: 'list them with `lifeboat snapshots`' });
    return last;
  }
  const id = await resolveSnapshotId(repo, ref, signal);
  return { id, snapshot: await repo.loadSnapshot(id, signal) };
}

/** The snapshot file a full ID or unique ID prefix names (without reading it). */
export async function resolveSnapshotId(repo: Repository, ref: string, signal?: AbortSignal): Promise<Id> {
  if (!/^[0-9a-f]{1,64}$/.test(ref)) {
    throw new LifeboatError('E_USAGE', `invalid snapshot ID ${JSON.stringify(ref)}`, { hint: "use an ID, a unique prefix of one, or 'latest'" });
  }
  const matches: Id[] = [];
  for await (const id of repo.listIds('snapshots', signal)) if (id.startsWith(ref)) matches.push(id);
  if (matches.length === 0) throw new LifeboatError('E_SNAPSHOT_NOT_FOUND', `no snapshot with ID ${ref}`, { hint: 'list them with `lifeboat snapshots`' });
  if (matches.length > 1) throw new LifeboatError('E_AMBIGUOUS', `snapshot prefix ${ref} is ambiguous: ${matches.length} snapshots match`, { hint: 'give more characters of the ID' });
  return matches[0]!;
}
