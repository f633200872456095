/**
 * A fixed set of paths used as an include filter: what rollback and the restore drill restore
 * are exact paths, which may contain glob characters that PathFilter would interpret.
 */
import type { PathMatcher } from './path-filter.js';

export class PathSet implements PathMatcher {
  private readonly paths: Set<string>;

  constructor(paths: Iterable<string>) {
    this.paths = new Set([...paths].map((p) => p.replace(/(.)\/+$/, '$1')));
  }

  get size(): number {
    return this.paths.size;
  }

  /** True when `path` or one of its parents is in the set. */
  matches(path: string): boolean {
    for (let p = path; ;) {
      if (this.paths.has(p)) return true;
      const slash = p.lastIndexOf('/');
      if (slash <= 0) return p !== '/' && this.paths.has('/');
      p = p.slice(0, slash);
    }
  }

  matchesExactly(path: string): boolean {
    return this.paths.has(path);
  }
}
