/** Use-case: find files by name pattern across snapshots (restic find). */
import picomatch from 'picomatch';
import { assertValidPattern } from '../engine/filter/index.js';
import { type WalkEntry, walkTree } from '../engine/walker/index.js';
import { type Repository, type SnapshotEntry, type SnapshotFilter, loadSnapshots } from '../repository/index.js';

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
