/**
 * Loading the YAML source list. Problems name the file, the line and the key:
 * `inventory.yaml:7: sources[1].url: must be ldap://HOST[:PORT] or ldaps://HOST[:PORT]`.
 * The YAML is parsed once into a Document with a LineCounter; a zod issue path is walked through
 * the Document's nodes to find the key (or the closest existing parent) and its offset.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, type Node, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { LifeboatError, NotFoundError, errnoCode } from '../../core/index.js';
import { PATH_KEYS, type InventoryConfig, type SourceConfig, inventoryConfigSchema } from './source-config.js';

export class ConfigError extends LifeboatError {
  readonly file: string;
  readonly line: number | null;
  readonly key: string | null;
  constructor(file: string, line: number | null, key: string | null, message: string) {
    super('E_CONFIG', `${file}${line !== null ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${message}`, {
      hint: 'see docs/design/inventory.md for the source list format',
    });
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

/** Parses and validates YAML text; `file` names it in errors and anchors relative paths. */
export function parseInventoryConfig(text: string, file: string): InventoryConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const line = firstError.linePos?.[0].line ?? lineCounter.linePos(firstError.pos[0]).line;
    throw new ConfigError(file, line, null, `not valid YAML: ${firstError.message.split('\n')[0]}`);
  }
  const data: unknown = doc.toJS();
  const r = inventoryConfigSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    const offset = offsetOf(doc.contents, path);
    const line = offset === null ? null : lineCounter.linePos(offset).line;
    const message = issue.code === 'unrecognized_keys' ? 'unknown key' : issue.message;
    throw new ConfigError(file, line, path.length ? keyString(path) : null, message);
  }
  const base = dirname(resolve(file));
  return { sources: r.data.sources.map((s) => resolvePaths(s, base)) };
}

/** Makes the file paths in a source absolute, relative to `base`. */
export function resolvePaths<T extends SourceConfig>(source: T, base: string): T {
  const out: Record<string, unknown> = { ...source };
  for (const k of PATH_KEYS) {
    const v = out[k];
    if (typeof v === 'string' && !isAbsolute(v)) out[k] = resolve(base, v);
  }
  return out as T;
}

/** Reads and validates an inventory config file. */
export async function loadInventoryConfig(path: string): Promise<{ sources: SourceConfig[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new NotFoundError(`inventory config ${path} does not exist`, { cause: err });
    throw new LifeboatError('E_IO', `cannot read inventory config ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseInventoryConfig(text.replace(/^\uFEFF/, ''), path);
}
