/** Use-case: find files by name pattern across snapshots (restic find). */
import picomatch from 'picomatch';
import { assertValidPattern } from '../engine/filter/index.js';
import { type WalkEntry, walkTree } from '../engine/walker/index.js';
import { type Repository, type SnapshotEntry, type SnapshotFilter, loadSnapshots } from '../repository/index.js';
import { fileModeString } from '../repository/model/index.js';

export interface FindMatch {
  snapshot: SnapshotEntry;
  entry: WalkEntry;
}

/**
 * Patterns match the base name (`*.conf`), or the whole path when they contain a '/'
 * (`/etc/**\/*.conf`); `ignoreCase` as restic's -i.
 */
export async function* findInSnapshots(repo: Repository, patterns: string[], options: { filter?: SnapshotFilter; ignoreCase?: boolean; signal?: AbortSignal } = {}): AsyncGenerator<FindMatch> {
  const matchers = patterns.map((p) => {
    assertValidPattern(p, 'find');
    const m = picomatch(p, { dot: true, nocase: options.ignoreCase ?? false });
    return p.includes('/') ? (path: string) => m(path) : (_path: string, name: string) => m(name);
  });
  await repo.loadIndex({ signal: options.signal });
  for (const snapshot of await loadSnapshots(repo, options.filter ?? {}, { signal: options.signal })) {
    for await (const entry of walkTree(repo, snapshot.snapshot.tree, Buffer.from('/'), { signal: options.signal })) {
      const path = entry.path.toString();
      const name = entry.node.name.toString();
      if (matchers.some((m) => m(path, name))) yield { snapshot, entry };
    }
  }
}

/**
 * A match as `restic find --json` prints it: the node's fields as restic's tree JSON names them
 * (empty ones left out), without name, inode, content, subtree, device and extended
 * attributes, and with the path and the permission string first.
 */
export function findNodeJson(e: WalkEntry): Record<string, unknown> {
  const n = e.node;
  const out: Record<string, unknown> = { path: e.path.toString(), permissions: fileModeString(n.mode), type: n.type };
  if (n.mode) out.mode = n.mode;
  out.mtime = n.mtime;
  out.atime = n.atime;
  out.ctime = n.ctime;
  out.uid = n.uid;
  out.gid = n.gid;
  if (n.user) out.user = n.user;
  if (n.group) out.group = n.group;
  if (n.deviceId) out.device_id = Number(n.deviceId);
  if (n.size) out.size = n.size;
  if (n.links) out.links = Number(n.links);
  if (n.linktarget) out.linktarget = n.linktarget;
  if (n.error) out.error = n.error;
  return out;
}
