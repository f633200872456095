/**
 * Finding snapshots: load all snapshot files, filter by host, tags and paths like restic, and
 * resolve a reference ('latest', a full ID or a unique prefix).
 */
import { type Id, LifeboatError, errorMessage } from '../core/index.js';
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

/**
 * The warning for a snapshot file that cannot be read or decoded; the command goes on without it
 * (restic 0.14: "could not load snapshot …").
 */
export function unreadableSnapshotWarning(id: Id, err: unknown): string {
  const reason = errorMessage(err).replace(new RegExp(`^(?:(?:snapshot |snapshots/)${id}: )+`), '');
  return `snapshot file snapshots/${id} cannot be read and was skipped: ${reason}`;
}

/**
 * All snapshots matching `filter`, oldest first. An unreadable snapshot file goes to `onError`;
 * without it, to the repository's `onWarning` (named, skipped), and with neither it is thrown.
 */
export async function loadSnapshots(repo: Repository, filter: SnapshotFilter = {}, options: { signal?: AbortSignal; onError?: (id: Id, err: unknown) => void } = {}): Promise<SnapshotEntry[]> {
  const out: SnapshotEntry[] = [];
  const warn = repo.onWarning;
  const onError = options.onError ?? (warn ? (id: Id, err: unknown) => warn(unreadableSnapshotWarning(id, err)) : undefined);
  for await (const id of repo.listIds('snapshots', options.signal)) {
    try {
      const snapshot = await repo.loadSnapshot(id, options.signal);
      if (snapshotMatches(snapshot, filter)) out.push({ id, snapshot });
    } catch (err) {
      options.signal?.throwIfAborted();
      if (!onError) throw err;
      onError(id, err);
    }
  }
  out.sort((a, b) => {
    const d = snapshotTimeNs(a.snapshot) - snapshotTimeNs(b.snapshot);
    return d < 0n ? -1 : d > 0n ? 1 : a.id < b.id ? -1 : 1;
  });
  return out;
}

/**
 * Resolves 'latest' (newest matching `filter`), a full ID or a unique ID prefix. 'latest' goes on
 * past unreadable snapshot files (any of which may be the newest): each is named in a warning
 * (`partial`) that says which snapshot 'latest' became instead; with no readable match, or with
 * nobody to warn, the resolution fails naming them.
 */
export async function findSnapshot(repo: Repository, ref: string, filter: SnapshotFilter = {}, signal?: AbortSignal): Promise<SnapshotEntry> {
  if (ref === 'latest') {
    const unreadable: Array<{ id: Id; err: unknown }> = [];
    const all = await loadSnapshots(repo, filter, { signal, onError: (id, err) => unreadable.push({ id, err }) });
    const last = all.at(-1);
    const warn = repo.onWarning;
    if (unreadable.length > 0 && (!last || !warn)) {
      const first = unreadable[0]!;
      throw new LifeboatError(
        'E_SNAPSHOT_NOT_FOUND',
        `cannot tell which snapshot is the latest: ${unreadable.length} snapshot file(s) cannot be read (${unreadableSnapshotWarning(first.id, first.err).replace(/ and was skipped/, '')})${last ? '' : ' and no readable snapshot matched the filter'}`,
        { hint: 'name the snapshot by its ID (`lifeboat snapshots` lists the readable ones); `lifeboat check` reports the damage', cause: first.err },
      );
    }
    if (!last) throw new LifeboatError('E_SNAPSHOT_NOT_FOUND', 'no snapshot matched the filter', { hint: 'list them with `lifeboat snapshots`' });
    for (const { id, err } of unreadable) {
      warn!(`${unreadableSnapshotWarning(id, err)}; it may hold a newer snapshot than ${last.id.slice(0, 8)} of ${last.snapshot.time}, the newest readable one, which 'latest' stands for here`, {
        partial: true,
      });
    }
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
