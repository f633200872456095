/**
 * Use-case: list the nodes of a snapshot (recursively), optionally below a path (`SNAPSHOT:PATH`),
 * or restic's `ls SNAPSHOT DIR...`: the directories and their entries.
 */
import { LifeboatError } from '../core/index.js';
import { type WalkEntry, joinPath, splitPath, walkTree } from '../engine/walker/index.js';
import { type Repository, type SnapshotEntry, type SnapshotFilter, findSnapshot } from '../repository/index.js';
import { nodeToResticJson, snapshotToResticJson } from '../repository/model/index.js';
import { resolveSnapshotPath } from './snapshot-ref.js';

/** The mode column of `ls --long` (one definition, in the model). */
export { lsModeString } from '../repository/model/index.js';

export interface LsRequest {
  snapshot: string;
  path?: string;
  filter?: SnapshotFilter;
  recursive?: boolean;
  signal?: AbortSignal;
}

export interface LsListing {
  entry: SnapshotEntry;
  entries: AsyncIterable<WalkEntry>;
}

export async function listSnapshot(repo: Repository, req: LsRequest): Promise<LsListing> {
  const resolved = await resolveSnapshotPath(repo, req.snapshot, req.path, req.filter ?? {}, req.signal);
  const recursive = req.recursive ?? true;
  const descend = (): boolean => recursive;
  async function* entries(): AsyncGenerator<WalkEntry> {
    const node = resolved.node;
    if (!node) {
      yield* walkTree(repo, resolved.entry.snapshot.tree, Buffer.from('/'), { signal: req.signal, descend });
      return;
    }
    const top = { path: resolved.path, node };
    yield top;
    if (node.type === 'dir' && node.subtree) yield* walkTree(repo, node.subtree, resolved.path, { signal: req.signal, descend });
  }
  return { entry: resolved.entry, entries: entries() };
}

/** The lines `restic ls --json` prints: the snapshot, then one object per node. */
export function lsSnapshotJson(entry: SnapshotEntry): Record<string, unknown> {
  return { ...snapshotToResticJson(entry.snapshot, entry.id), struct_type: 'snapshot' };
}

export function lsNodeJson(e: WalkEntry): Record<string, unknown> {
  return nodeToResticJson(e.node, e.path.toString());
}

export { joinPath };

export interface LsDirsRequest {
  snapshot: string;
  /** Absolute directories inside the snapshot ('/srv/app'); a trailing '/' is ignored. */
  dirs: string[];
  /** Also list what lies below the directories' children (restic ls --recursive). */
  recursive?: boolean;
  filter?: SnapshotFilter;
  signal?: AbortSignal;
}

/** True when `path` is `dir` or lies below it (raw bytes, '/'-separated). */
function within(dir: Buffer, path: Buffer): boolean {
  if (dir.length === 1) return true;
  return path.length >= dir.length && path.subarray(0, dir.length).equals(dir) && (path.length === dir.length || path[dir.length] === 0x2f);
}

/**
 * `ls SNAPSHOT DIR...` as restic ≥ 0.14: each directory itself and its entries (and everything
 * below with `recursive`), in tree order, from one walk; a directory that is not in the snapshot
 * lists nothing. Directories must be absolute, as restic requires.
 */
export async function listSnapshotDirs(repo: Repository, req: LsDirsRequest): Promise<LsListing> {
  const dirs = req.dirs.map((d) => {
    if (!d.startsWith('/')) {
      throw new LifeboatError('E_USAGE', `path ${JSON.stringify(d)} is not absolute`, { hint: "paths inside a snapshot start with '/' (as `lifeboat ls SNAPSHOT` shows them)" });
    }
    const parts = splitPath(Buffer.from(d));
    return parts.length ? Buffer.concat(parts.flatMap((p) => [Buffer.from('/'), p])) : Buffer.from('/');
  });
  const entry = await findSnapshot(repo, req.snapshot, req.filter ?? {}, req.signal);
  await repo.loadIndex({ signal: req.signal });
  const shown = (p: Buffer): boolean => dirs.some((d) => within(d, p));
  const approaching = (p: Buffer): boolean => dirs.some((d) => within(p, d));
  const descend = (e: WalkEntry): boolean => approaching(e.path) || (Boolean(req.recursive) && shown(e.path));
  async function* entries(): AsyncGenerator<WalkEntry> {
    for await (const e of walkTree(repo, entry.snapshot.tree, Buffer.from('/'), { signal: req.signal, descend })) {
      if (shown(e.path)) yield e;
    }
  }
  return { entry, entries: entries() };
}
