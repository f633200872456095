/**
 * @module platform/config
 * YAML configuration files validated by a zod schema, with problems that name the file, the line
 * and the key: `lifeboat.yaml:7: sources[1].files: expected array`. The YAML is parsed once into
 * a Document with a LineCounter; the first zod issue's path is walked through the Document's
 * nodes to the key (or the closest existing parent) to find its line. May import: core.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, type Node, isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { LifeboatError, NotFoundError, errnoCode } from '../../core/index.js';

export class ConfigError extends LifeboatError {
  readonly file: string;
  readonly line: number | null;
  readonly key: string | null;
  constructor(file: string, line: number | null, key: string | null, message: string, hint?: string) {
    super('E_CONFIG', `${file}${line !== null ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${message}`, hint ? { hint } : {});
    this.file = file;
    this.line = line;
    this.key = key;
  }
}

function keyString(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

/** The offset of the deepest node on `path` (the key of a map entry when the path ends on one). */
function offsetOf(root: Node | null | undefined, path: readonly PropertyKey[]): number | null {
  let node: unknown = root;
  let best: number | null = (root as Node | undefined)?.range?.[0] ?? null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) return best;
      const key = pair.key as Node | null;
      if (key?.range) best = key.range[0];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) return best;
      if (item.range) best = item.range[0];
      node = item;
    } else {
      return best;
    }
  }
  return best;
}

type Issue = z.core.$ZodIssue;

/**
 * For a value that matched no alternative of a union, the issue of the alternative it came
 * closest to (fewest issues, then the deepest path), so the message names the real key.
 */
function closestIssue(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !issue.errors.length) return issue;
  const best = [...issue.errors].sort((a, b) => a.length - b.length || (b[0]?.path.length ?? 0) - (a[0]?.path.length ?? 0))[0]!;
  const first = best[0];
  return first ? closestIssue({ ...first, path: [...issue.path, ...first.path] }) : issue;
}

/** Deeper than any configuration needs; validation and error location recurse per level. */
const MAX_NESTING = 64;

/** The nesting depth of parsed YAML (maps and lists), measured without recursion. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_NESTING) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Bound on alias expansion (the yaml library's default): a configuration file needs far fewer. */
const MAX_ALIAS_COUNT = 100;

function firstAliasLine(root: Node | null | undefined, lineCounter: LineCounter): number | null {
  let offset: number | null = null;
  visit(root ?? null, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? null;
      return visit.BREAK;
    },
  });
  return offset === null ? null : lineCounter.linePos(offset).line;
}

/** Parses YAML text and validates it; `file` names it in errors, `hint` says where the format is documented. */
export function parseYamlConfig<S extends z.ZodType>(text: string, file: string, schema: S, hint?: string): z.infer<S> {
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (err) {
    // the yaml library's parser recurses per nesting level: thousands of nested block sequences
    // ("- - - - …") overflow the stack before it can report an error of its own
    if (err instanceof RangeError) throw new ConfigError(file, null, null, `not usable YAML: nested too deeply (${err.message})`, hint);
    throw err;
  }
  const firstError = doc.errors[0];
  if (firstError) {
    const line = firstError.linePos?.[0].line ?? lineCounter.linePos(firstError.pos[0]).line;
    throw new ConfigError(file, line, null, `not valid YAML: ${firstError.message.split('\n')[0]}`, hint);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // the yaml library refuses documents whose aliases expand beyond a bound (an "alias bomb")
    throw new ConfigError(file, firstAliasLine(doc.contents, lineCounter), null, `not usable YAML: ${(err as Error).message}`, hint ?? 'remove the nested aliases (*name) from the file');
  }
  if (nestingDepth(value) > MAX_NESTING) {
    throw new ConfigError(file, null, null, `not usable YAML: nested deeper than ${MAX_NESTING} levels`, hint);
  }
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = closestIssue(r.error.issues[0]!);
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    const offset = offsetOf(doc.contents, path);
    const line = offset === null ? null : lineCounter.linePos(offset).line;
    const message = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
    throw new ConfigError(file, line, path.length ? keyString(path) : null, message, hint);
  }
  return r.data;
}

/** Reads a configuration file; `what` names it in errors ("inventory config"). */
export async function readConfigFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new NotFoundError(`${what} ${path} does not exist`, { cause: err });
    throw new LifeboatError('E_IO', `cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}
