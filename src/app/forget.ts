/**
 * Use-case: forget snapshots by policy (restic forget) or by ID, under an exclusive lock.
 * Only snapshot files are removed; the data they referenced stays until a prune. Snapshots of a
 * restore point (tag lifeboat-pinned) are never removed: a policy keeps them, naming the point,
 * and naming one explicitly is an error until `point release`.
 *
 * A snapshot file that cannot be read or decoded is named in a warning. A policy still never
 * decides for a group it cannot read: when the file's group can be told (its JSON parses and
 * has host, paths and tags), nothing is removed from that group; when it cannot (a damaged or
 * undecryptable file), the policy is not applied at all.
 */
import { FormatError, type Id, IntegrityError, LifeboatError } from '../core/index.js';
import { PINNED_TAG, pointIdOfTags } from '../rollback/index.js';
import { type ForgetPolicy, applyPolicy, policyIsEmpty } from '../engine/pruner/index.js';
import { type GroupField, groupKeyOf, groupSnapshots, unreadableSnapshotWarning } from './snapshots.js';
import { type Repository, RepositoryLock, type SnapshotEntry, type SnapshotFilter, findSnapshot, loadSnapshots, resolveSnapshotId, snapshotMatches, snapshotTimeNs } from '../repository/index.js';
import type { Snapshot } from '../repository/model/index.js';

export { type GroupField, parseGroupBy } from './snapshots.js';

export interface ForgetRequest {
  policy: ForgetPolicy;
  /** Explicit snapshots to forget (IDs or prefixes); the policy is then not applied. */
  snapshots?: string[];
  groupBy?: GroupField[];
  filter?: SnapshotFilter;
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Told about each snapshot file that cannot be read. */
  onWarning?: (message: string) => void;
}

export interface ForgetGroup {
  host?: string;
  paths?: string[];
  tags?: string[];
  keep: { entry: SnapshotEntry; reasons: string[] }[];
  remove: SnapshotEntry[];
  /** Unreadable snapshot files of this group: the policy removed nothing from it. */
  unreadable?: Id[];
  /** Snapshot files named explicitly that cannot be read: removed all the same. */
  removeUnreadable?: Id[];
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
      const removeUnreadable: Id[] = [];
      for (const ref of explicit) {
        const entry = await findExplicit(repo, ref, req);
        if (typeof entry === 'string') {
          removeUnreadable.push(entry);
          continue;
        }
        if (entry.snapshot.tags?.includes(PINNED_TAG)) {
          const point = pointIdOfTags(entry.snapshot.tags);
          throw new LifeboatError('E_PINNED', `snapshot ${entry.id.slice(0, 8)} belongs to restore point ${point ?? '?'} and is pinned`, {
            hint: `release the point first: lifeboat point release ${point ?? 'ID'}`,
          });
        }
        remove.push(entry);
      }
      groups = [{ keep: [], remove, ...(removeUnreadable.length ? { removeUnreadable } : {}) }];
    } else {
      const failed: { id: Id; err: unknown }[] = [];
      const all = await loadSnapshots(repo, req.filter ?? {}, { signal: req.signal, onError: (id, err) => failed.push({ id, err }) });
      const by = req.groupBy ?? ['host', 'paths'];
      const blocked = await unreadableGroups(repo, failed, by, req);
      groups = [];
      for (const [k, { key, entries }] of groupSnapshots(all, by)) {
        const unreadable = blocked.get(k);
        if (unreadable) {
          const reason = `group has ${unreadable.length} unreadable snapshot${unreadable.length === 1 ? '' : 's'}`;
          groups.push({ ...key, keep: entries.map((entry) => ({ entry, reasons: [reason] })), remove: [], unreadable });
          continue;
        }
        const newestFirst = [...entries].sort((a, b) => {
          const d = snapshotTimeNs(b.snapshot) - snapshotTimeNs(a.snapshot);
          return d > 0n ? 1 : d < 0n ? -1 : 0;
        });
        const decisions = applyPolicy(
          newestFirst.map((e) => e.snapshot),
          req.policy,
        );
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
      for (const g of groups) {
        for (const id of [...g.remove.map((e) => e.id), ...(g.removeUnreadable ?? [])]) await repo.removeFile('snapshots', id, req.signal);
      }
    }
    return groups;
  } finally {
    await lock?.release();
  }
}

/**
 * A snapshot named explicitly: its entry, or only its ID when the file cannot be read or decoded
 * (it is forgotten all the same, and said so: the way out of a policy's refusal).
 */
async function findExplicit(repo: Repository, ref: string, req: ForgetRequest): Promise<SnapshotEntry | Id> {
  if (ref === 'latest') return findSnapshot(repo, ref, {}, req.signal);
  const id = await resolveSnapshotId(repo, ref, req.signal);
  try {
    return { id, snapshot: await repo.loadSnapshot(id, req.signal) };
  } catch (err) {
    if (!(err instanceof IntegrityError || err instanceof FormatError)) throw err;
    return id;
  }
}

/**
 * The groups (groupKeyOf's string) that unreadable snapshot files belong to, with their IDs;
 * each file is named through `onWarning`. Throws when a file's group cannot be told.
 */
async function unreadableGroups(repo: Repository, failed: { id: Id; err: unknown }[], by: readonly GroupField[], req: ForgetRequest): Promise<Map<string, Id[]>> {
  const blocked = new Map<string, Id[]>();
  for (const { id, err } of failed) {
    req.onWarning?.(unreadableSnapshotWarning(id, err));
    const fields = await groupFieldsOf(repo, id, req.signal);
    if (!fields) {
      throw new LifeboatError(
        'E_INTEGRITY',
        `refusing to apply the policy: snapshot file snapshots/${id} cannot be read, so the group it belongs to is unknown and it may be any group's newest snapshot`,
        {
          hint: `restore the file from a copy, or forget it by its ID if it is beyond repair (lifeboat forget ${id.slice(0, 8)}); then run forget again`,
        },
      );
    }
    // only what the filter selects is decided on
    if (!snapshotMatches({ time: '', tree: id, ...fields }, req.filter ?? {})) continue;
    const { k } = groupKeyOf(fields, by);
    blocked.set(k, [...(blocked.get(k) ?? []), id]);
  }
  return blocked;
}

/** Host, paths and tags of a snapshot file that does not decode, when its JSON still tells them. */
async function groupFieldsOf(repo: Repository, id: Id, signal?: AbortSignal): Promise<Pick<Snapshot, 'hostname' | 'paths' | 'tags'> | undefined> {
  let doc: unknown;
  try {
    doc = JSON.parse((await repo.loadUnpacked('snapshots', id, signal)).toString());
  } catch {
    signal?.throwIfAborted();
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const { hostname, paths, tags } = doc as Record<string, unknown>;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if ((hostname !== undefined && typeof hostname !== 'string') || !strings(paths) || (tags !== undefined && tags !== null && !strings(tags))) return undefined;
  return { hostname: hostname || undefined, paths, tags: tags ?? undefined };
}
