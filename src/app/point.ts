/**
 * Use-cases for restore points (docs/design/restore-points.md): create (point-create.ts, one
 * function per phase), list, find, and release (which unpins the point's snapshots so forget
 * may remove them).
 */
import { type Id, LifeboatError } from '../core/index.js';
import { type Repository, type SnapshotEntry, loadSnapshots } from '../repository/index.js';
import { MANIFEST_FILE, MANIFEST_TAG, PINNED_TAG, POINT_TAG, type PointManifest, parseManifest, pointIdOfTags, pointTag, withCurrentSnapshots } from '../rollback/index.js';
import { journalAppend } from './journal.js';
import { readSnapshotFile } from './snapshot-ref.js';
import { tagSnapshots } from './tag.js';

export { type PointCreateOptions, type PointEvent, pointCreate } from './point-create.js';

export interface PointSummary {
  id: string;
  /** Manifest snapshot; undefined for an incomplete point. */
  manifestSnapshot?: Id;
  manifest?: PointManifest;
  pinned: boolean;
  /** Snapshots carrying the point's tag. */
  snapshots: number;
  time: string;
}

/** The JSON `point list --json` prints, shared by the CLI and the console's API. */
export function pointListJson(points: PointSummary[]): unknown[] {
  return points.map((p) => ({
    id: p.id,
    name: p.manifest?.name ?? null,
    time: p.time,
    complete: Boolean(p.manifest),
    pinned: p.pinned,
    proof_ok: p.manifest?.proof.ok ?? null,
    snapshots: p.snapshots,
  }));
}

/** Every point in the repository, oldest first; incomplete ones (no manifest) included. */
export async function pointList(repo: Repository, signal?: AbortSignal): Promise<PointSummary[]> {
  const entries = await loadSnapshots(repo, { tags: [[POINT_TAG]] }, { signal });
  const byId = new Map<string, SnapshotEntry[]>();
  for (const e of entries) {
    const id = pointIdOfTags(e.snapshot.tags);
    if (!id) continue;
    let list = byId.get(id);
    if (!list) byId.set(id, (list = []));
    list.push(e);
  }
  const out: PointSummary[] = [];
  for (const [id, list] of byId) {
    const manifestEntry = list.find((e) => e.snapshot.tags?.includes(MANIFEST_TAG));
    const stored = manifestEntry ? parseManifest((await readSnapshotFile(repo, manifestEntry.id, `/${MANIFEST_FILE}`, {}, signal)).data, `snapshot ${manifestEntry.id.slice(0, 8)}`) : undefined;
    const manifest =
      stored &&
      withCurrentSnapshots(
        stored,
        list.map((e) => ({ id: e.id, original: e.snapshot.original })),
      );
    out.push({
      id,
      ...(manifestEntry ? { manifestSnapshot: manifestEntry.id, manifest } : {}),
      pinned: list.some((e) => e.snapshot.tags?.includes(PINNED_TAG)),
      snapshots: list.length,
      time: manifest?.createdAt ?? list[0]!.snapshot.time,
    });
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/**
 * The points `ref` names: an ID, else the newest with that name, else those whose ID starts with
 * it; `latest` is the newest complete point.
 */
function matchPoints(points: PointSummary[], ref: string): PointSummary[] {
  if (ref === 'latest') return points.filter((p) => p.manifest).slice(-1);
  const byId = points.filter((p) => p.id === ref);
  if (byId.length) return byId;
  const byName = points.filter((p) => p.manifest?.name === ref).slice(-1);
  return byName.length ? byName : points.filter((p) => p.id.startsWith(ref));
}

function ambiguous(ref: string, found: PointSummary[]): LifeboatError {
  return new LifeboatError('E_AMBIGUOUS', `point ${ref} is ambiguous: ${found.map((p) => p.id).join(', ')}`, { hint: 'give more characters of the ID' });
}

/** Finds a complete point by ID, unique ID prefix, name, or `latest` (the newest). */
export async function pointFind(repo: Repository, ref: string, signal?: AbortSignal): Promise<PointSummary & { manifest: PointManifest }> {
  return pickPoint(await pointList(repo, signal), ref);
}

/** pointFind over a list `pointList` returned before (the web console keeps one). */
export function pickPoint(points: PointSummary[], ref: string): PointSummary & { manifest: PointManifest } {
  const found = matchPoints(points, ref);
  if (found.length > 1) throw ambiguous(ref, found);
  const point = found[0];
  if (point?.manifest) return point as PointSummary & { manifest: PointManifest };
  throw new LifeboatError('E_NOT_FOUND', point ? `point ${point.id} is incomplete (its creation was interrupted): it has no manifest` : `no restore point ${ref}`, {
    hint: point ? `create a new point; release the incomplete one with: lifeboat point release ${point.id}` : 'list them with `lifeboat point list`',
  });
}

/** Unpins a point's snapshots (complete or not), so forget may remove them. */
export async function pointRelease(repo: Repository, ref: string, signal?: AbortSignal): Promise<{ id: string; released: number }> {
  const found = matchPoints(await pointList(repo, signal), ref);
  if (found.length > 1) throw ambiguous(ref, found);
  if (!found[0]) throw new LifeboatError('E_NOT_FOUND', `no restore point ${ref}`, { hint: 'list them with `lifeboat point list`' });
  const id = found[0].id;
  const r = await tagSnapshots(repo, { filter: { tags: [[pointTag(id), PINNED_TAG]] }, remove: [PINNED_TAG], signal });
  await journalAppend(
    repo,
    { event: 'point-released', point: id, summary: `restore point ${id} released: ${r.changed.length} snapshots unpinned`, detail: { snapshots: r.changed.length } },
    { signal },
  );
  return { id, released: r.changed.length };
}
