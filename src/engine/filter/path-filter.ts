/**
 * Include/exclude patterns with restic's semantics: a pattern that does not start with '/'
 * matches at any depth ('*.tmp', 'cache/*'); a pattern matches a path when it matches the
 * path itself or one of its parent directories (so excluding a directory excludes its
 * contents). Globs: '*', '?', '[…]', '**' (picomatch, dot files included).
 */
import picomatch from 'picomatch';
import { assertValidPattern } from './pattern-syntax.js';

/** What restore's include and exclude filters need; PathFilter (patterns) and PathSet (exact paths) are both. */
export interface PathMatcher {
  /** True when `path` or one of its parents matches. */
  matches(path: string): boolean;
  /** True when `path` itself matches. */
  matchesExactly(path: string): boolean;
}

export class PathFilter implements PathMatcher {
  private readonly matchers: ((path: string) => boolean)[];

  /**
   * `patterns` match case-sensitively, `insensitive` ones ignore case (restic's --iexclude). An
   * invalid pattern is a usage error naming it and `options.names` (the option it came from).
   */
  constructor(patterns: readonly string[], insensitive: readonly string[] = [], options: { names?: readonly [string, string] } = {}) {
    const [name = 'pattern', iname = 'pattern'] = options.names ?? [];
    const compile = (p: string, nocase: boolean): ((path: string) => boolean) => {
      assertValidPattern(p, nocase ? iname : name);
      const trimmed = p.replace(/\/+$/, '');
      return picomatch(trimmed.startsWith('/') ? trimmed : `**/${trimmed}`, { dot: true, nocase });
    };
    const usable = (p: string): boolean => p.trim().length > 0 && !p.trim().startsWith('#');
    this.matchers = [...patterns.filter(usable).map((p) => compile(p.trim(), false)), ...insensitive.filter(usable).map((p) => compile(p.trim(), true))];
  }

  get empty(): boolean {
    return this.matchers.length === 0;
  }

  /** True when a pattern matches `path` ('/a/b/c') or one of its parents. */
  matches(path: string): boolean {
    if (this.matchers.length === 0) return false;
    let p = path;
    for (;;) {
      if (this.matchers.some((m) => m(p))) return true;
      const cut = p.lastIndexOf('/');
      if (cut <= 0) return false;
      p = p.slice(0, cut);
    }
  }

  /** True when a pattern matches exactly `path` (not via a parent). */
  matchesExactly(path: string): boolean {
    return this.matchers.some((m) => m(path));
  }

  /** No patterns: matches nothing. */
  isEmpty(): boolean {
    return this.matchers.length === 0;
  }
}
