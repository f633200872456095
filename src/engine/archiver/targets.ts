/**
 * Where backup targets go in the snapshot tree, as restic 0.14 places them (checked against it
 * by test/compat/relative-paths.test.ts): an absolute argument at its own path; a relative one
 * at its cleaned path relative to the working directory without its leading '..' components
 * ('app' → '/app', 'app/sub other' → '/app/sub other', '../x' → '/x', './a/../b' → '/b');
 * '.' (or a path that cleans to it, or to '..' only) stores the directory's entries at the root.
 * The snapshot's `paths` stay absolute.
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, posix, resolve } from 'node:path';
import { LifeboatError } from '../../core/index.js';
import { STAT } from '../../native/index.js';
import { childPath as join } from './dir-scanner.js';
import { lstatFields, newStatFields } from './node-from-stat.js';

const SLASH = Buffer.from('/');

/**
 * A backup target: the directory entry `path` (absolute, cleaned) stored at `treePath` of the
 * snapshot tree (absolute, cleaned; '/' stores a directory's entries at the root). restic stores
 * an absolute argument at its own path and a relative one at its path relative to the working
 * directory, without leading '..' components ('app' → '/app', '../x' → '/x', '.' → '/').
 */
export interface ArchiveTarget {
  path: string;
  treePath: string;
}

/** The target for a backup argument given in working directory `cwd`. */
export function archiveTarget(arg: string, cwd: string): ArchiveTarget {
  const path = resolve(cwd, arg);
  if (isAbsolute(arg)) return { path, treePath: path };
  const parts = posix
    .normalize(arg)
    .split('/')
    .filter((c) => c !== '' && c !== '.');
  while (parts[0] === '..') parts.shift();
  return { path, treePath: `/${parts.join('/')}` };
}

/** A backup target with the path it is stored at in the snapshot tree. */
export interface PlacedTarget {
  real: Buffer;
  tree: Buffer;
}

/** The directory holding `path` ('/' for '/x'). */
export function parentDir(path: Buffer): Buffer {
  const slash = path.lastIndexOf(0x2f);
  return slash <= 0 ? SLASH : path.subarray(0, slash);
}

/**
 * The real directory that tree directory `treeDir` (an ancestor of `t.tree`) stands for: as many
 * components up from `t.real` as `treeDir` is above `t.tree`.
 */
export function realAncestor(t: PlacedTarget, treeDir: Buffer): Buffer {
  let up = 0;
  for (let i = treeDir.length; i < t.tree.length; i++) if (t.tree[i] === 0x2f) up++;
  let real = t.real;
  for (let i = 0; i < up; i++) real = parentDir(real);
  return real;
}

/**
 * Where each target is stored in the snapshot tree (a target stored at '/' gives each of its
 * entries a place of its own), and the devices the targets are on. A target that cannot be read
 * or listed is an E_NOT_FOUND error; two targets stored at the same path are an E_USAGE error.
 */
export function placeTargets(targets: readonly (string | ArchiveTarget)[]): { placed: PlacedTarget[]; devices: Set<bigint> } {
  const placed: PlacedTarget[] = [];
  const devices = new Set<bigint>();
  const st = newStatFields();
  for (const t of targets) {
    const { path, treePath } = typeof t === 'string' ? { path: t, treePath: t } : t;
    const real = Buffer.from(path);
    try {
      devices.add(lstatFields(real, st)[STAT.dev]!);
    } catch (err) {
      throw new LifeboatError('E_NOT_FOUND', `backup path ${path} cannot be read: ${(err as Error).message}`, { cause: err });
    }
    if (treePath !== '/') {
      placed.push({ real, tree: Buffer.from(treePath) });
      continue;
    }
    // stored at the root: each of its entries is a target of its own
    let names: Buffer[];
    try {
      names = readdirSync(real, { encoding: 'buffer' });
    } catch (err) {
      throw new LifeboatError('E_NOT_FOUND', `backup path ${path} cannot be listed: ${(err as Error).message}`, { cause: err });
    }
    for (const name of names) placed.push({ real: join(real, name), tree: join(SLASH, name) });
  }
  const seen = new Map<string, Buffer>();
  for (const t of placed) {
    const key = t.tree.toString('latin1');
    const other = seen.get(key);
    if (other && !other.equals(t.real)) {
      throw new LifeboatError('E_USAGE', `${other.toString()} and ${t.real.toString()} would both be stored as ${t.tree.toString()} in the snapshot`, {
        hint: 'back them up in separate snapshots, or give absolute paths',
      });
    }
    seen.set(key, t.real);
  }
  return { placed, devices };
}
