/**
 * Where backup targets go in the snapshot tree, as restic 0.14 places them (checked against it
 * by test/compat/relative-paths.test.ts): an absolute argument at its own path; a relative one
 * at its cleaned path relative to the working directory without its leading '..' components
 * ('app' → '/app', 'app/sub other' → '/app/sub other', '../x' → '/x', './a/../b' → '/b');
 * '.' (or a path that cleans to it, or to '..' only) stores the directory's entries at the root.
 * The snapshot's `paths` stay absolute.
 */
import { isAbsolute, posix, resolve } from 'node:path';

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
