/** Use-case: list snapshots. */
import { type Id, LifeboatError } from '../core/index.js';
import { type Repository, type SnapshotEntry, type SnapshotFilter, loadSnapshots } from '../repository/index.js';
import { type Snapshot, snapshotToResticJson } from '../repository/model/index.js';

export async function listSnapshots(repo: Repository, filter: SnapshotFilter, options: { signal?: AbortSignal; onError?: (id: Id, err: unknown) => void } = {}): Promise<SnapshotEntry[]> {
  return loadSnapshots(repo, filter, options);
}

/** The warning for a snapshot file skipped (restic 0.14: "could not load snapshot …", exit 0; `lifeboat snapshots` exits 3). */
export { unreadableSnapshotWarning } from '../repository/index.js';

export function snapshotJson(e: SnapshotEntry): Record<string, unknown> {
  return snapshotToResticJson(e.snapshot, e.id);
}

export type GroupField = 'host' | 'paths' | 'tags';

/** What a group's snapshots share: only the fields grouped by are set. */
export interface SnapshotGroupKey {
  host?: string;
  paths?: string[];
  tags?: string[];
}

/** `host,paths,tags` (any of them, comma-separated; empty: one group) as restic's --group-by. */
export function parseGroupBy(text: string): GroupField[] {
  const fields = text
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  for (const f of fields) {
    if (f !== 'host' && f !== 'paths' && f !== 'tags') throw new LifeboatError('E_USAGE', `invalid --group-by field ${JSON.stringify(f)}`, { hint: 'use host, paths and/or tags' });
  }
  return fields as GroupField[];
}

/** Groups snapshots by the fields (paths and tags compared as sorted sets); groups in order of their first snapshot. */
export function groupSnapshots(entries: readonly SnapshotEntry[], by: readonly GroupField[]): Map<string, { key: SnapshotGroupKey; entries: SnapshotEntry[] }> {
  const groups = new Map<string, { key: SnapshotGroupKey; entries: SnapshotEntry[] }>();
  for (const e of entries) {
    const { key, k } = groupKeyOf(e.snapshot, by);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { key, entries: [] }));
    g.entries.push(e);
  }
  return groups;
}

/** A snapshot's group: the key and its string form (the key of groupSnapshots' map). */
export function groupKeyOf(s: Pick<Snapshot, 'hostname' | 'paths' | 'tags'>, by: readonly GroupField[]): { key: SnapshotGroupKey; k: string } {
  const key: SnapshotGroupKey = {};
  if (by.includes('host')) key.host = s.hostname ?? '';
  if (by.includes('paths')) key.paths = [...s.paths].sort();
  if (by.includes('tags')) key.tags = [...(s.tags ?? [])].sort();
  return { key, k: JSON.stringify(key) };
}

/**
 * `snapshots --latest N`: the newest `n` snapshots of each host and path set (paths compared as
 * a sorted set), groups in order of their first snapshot, each oldest first as `entries` is.
 */
export function latestPerGroup(entries: readonly SnapshotEntry[], n: number): SnapshotEntry[] {
  return [...groupSnapshots(entries, ['host', 'paths']).values()].flatMap((g) => g.entries.slice(-n));
}

/** restic's `group_key` object: fields not grouped by are "" and null, as are empty tags. */
export function groupKeyJson(key: SnapshotGroupKey): Record<string, unknown> {
  return { hostname: key.host ?? '', paths: key.paths ?? null, tags: key.tags?.length ? key.tags : null };
}

/** restic's header line of a group: `snapshots for (host [h], tags [a, b], paths [/p]):`. */
export function groupHeader(key: SnapshotGroupKey): string {
  const parts: string[] = [];
  if (key.host) parts.push(`host [${key.host}]`);
  if (key.tags?.length) parts.push(`tags [${key.tags.join(', ')}]`);
  if (key.paths) parts.push(`paths [${key.paths.join(', ')}]`);
  return parts.length ? `snapshots for (${parts.join(', ')}):` : 'snapshots:';
}
