/**
 * Pattern syntax check with the rules of Go's filepath.Match (what restic checks before it uses
 * a pattern): every '[' opens a class closed by ']' that holds at least one character or range,
 * a range has both ends ('a-z', not 'a-'), and a '\' escapes the character after it (so it
 * cannot end the pattern). A pattern that breaks them would silently match nothing.
 */
import { LifeboatError } from '../../core/index.js';

/** The reason `pattern` is not a valid glob, or undefined when it is. */
export function patternSyntaxError(pattern: string): string | undefined {
  const n = pattern.length;
  let i = 0;
  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      if (i + 1 >= n) return 'a "\\" at the end escapes nothing';
      i += 2;
    } else if (c === '[') {
      const end = classEnd(pattern, i + 1);
      if (typeof end === 'string') return end;
      i = end;
    } else {
      i++;
    }
  }
  return undefined;
}

/** Parses a class body from `start` (just after '['); returns the index after its ']' or why it is bad. */
function classEnd(pattern: string, start: number): number | string {
  const n = pattern.length;
  let i = start;
  if (pattern[i] === '^' || pattern[i] === '!') i++;
  let ranges = 0;
  for (;;) {
    if (i >= n) return 'a "[" opens a character class that is never closed';
    if (pattern[i] === ']' && ranges > 0) return i + 1;
    const lo = classChar(pattern, i);
    if (typeof lo === 'string') return lo;
    i = lo;
    if (pattern[i] === '-') {
      const hi = classChar(pattern, i + 1);
      if (typeof hi === 'string') return 'a range in a character class has no upper end';
      i = hi;
    }
    ranges++;
  }
}

/** One (possibly escaped) character of a class at `i`; returns the index after it or why it is bad. */
function classChar(pattern: string, i: number): number | string {
  const c = pattern[i];
  if (c === undefined) return 'a "[" opens a character class that is never closed';
  if (c === '-' || c === ']') return `a character class holds a bare "${c}" (escape it as "\\${c}")`;
  if (c === '\\') {
    if (i + 1 >= pattern.length) return 'a "\\" at the end escapes nothing';
    return i + 2;
  }
  return i + 1;
}

/**
 * Throws a usage error naming `pattern` (and the option it came from) when it is not a valid
 * glob; blank and comment lines are left to the caller.
 */
export function assertValidPattern(pattern: string, option = 'pattern'): void {
  const why = patternSyntaxError(pattern);
  if (why !== undefined) {
    throw new LifeboatError('E_USAGE', `${option}: invalid pattern ${JSON.stringify(pattern)}: ${why}`, {
      hint: 'fix the pattern; a literal "[", "]" or "\\" is written "\\[", "\\]" or "\\\\"',
    });
  }
}
