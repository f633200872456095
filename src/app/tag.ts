/**
 * Use-case: change snapshot tags (restic tag). A snapshot file cannot change, so each changed
 * snapshot is written anew (with `original` pointing at the first version) and the old file is
 * removed, under an exclusive lock.
 */
import { type Id, LifeboatError } from '../core/index.js';
import { type Repository, RepositoryLock, type SnapshotEntry, type SnapshotFilter, findSnapshot, loadSnapshots } from '../repository/index.js';
import { encodeSnapshot } from '../repository/model/index.js';

export interface TagRequest {
  snapshots?: string[];
  filter?: SnapshotFilter;
  add?: string[];
  remove?: string[];
  set?: string[];
  signal?: AbortSignal;
}

export interface TagResult {
  changed: { from: Id; to: Id; tags: string[] }[];
}

export async function tagSnapshots(repo: Repository, req: TagRequest): Promise<TagResult> {
  if (!req.add?.length && !req.remove?.length && req.set === undefined) {
    throw new LifeboatError('E_USAGE', 'nothing to do', { hint: 'use --add, --remove or --set' });
  }
  if (req.set !== undefined && (req.add?.length || req.remove?.length)) {
    throw new LifeboatError('E_USAGE', '--set cannot be combined with --add or --remove');
  }
  const lock = await RepositoryLock.acquire(repo, { exclusive: true, signal: req.signal });
  try {
    const targets: SnapshotEntry[] = req.snapshots?.length
      ? await Promise.all(req.snapshots.map((ref) => findSnapshot(repo, ref, {}, req.signal)))
      : await loadSnapshots(repo, req.filter ?? {}, { signal: req.signal });
    const changed: TagResult['changed'] = [];
    for (const { id, snapshot } of targets) {
      const old = snapshot.tags ?? [];
      let tags = req.set !== undefined ? [...new Set(req.set)] : [...old];
      for (const t of req.add ?? []) if (!tags.includes(t)) tags.push(t);
      tags = tags.filter((t) => !(req.remove ?? []).includes(t));
      if (tags.length === old.length && tags.every((t, i) => t === old[i])) continue;
      const next = { ...snapshot, tags, original: snapshot.original ?? id };
      if (tags.length === 0) delete (next as { tags?: string[] }).tags;
      const newId = await repo.saveUnpacked('snapshots', encodeSnapshot(next), req.signal);
      await repo.removeFile('snapshots', id, req.signal);
      changed.push({ from: id, to: newId, tags });
    }
    return { changed };
  } finally {
    await lock.release();
  }
}
