/**
 * `mkdir -p` that reports the real error. Node's recursive `fs.promises.mkdir` (Node 20) turns
 * ENOSPC into ENOENT: on a file system out of inodes, `init` said the repository directory "does
 * not exist" (issue 20 defect 11). Each missing ancestor is made here with a plain mkdir instead,
 * and every directory made is recorded, so a failed `create` can remove exactly what it made.
 */
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoCode } from '../../core/index.js';

/** Makes `path` and its missing ancestors; appends each directory it made to `made` (parents first), also when it fails. */
export async function makeDirs(path: string, mode: number, made: string[]): Promise<void> {
  if (await makeDir(path, mode, made)) return;
  // a missing parent (ENOENT): make it, then try again
  const parent = dirname(path);
  if (parent === path) throw new Error(`mkdir ${path}: the root is missing`);
  await makeDirs(parent, mode, made);
  if (!(await makeDir(path, mode, made))) await mkdir(path, { mode });
}

/** False when the parent is missing; true when `path` is now a directory; throws on other errors. */
async function makeDir(path: string, mode: number, made: string[]): Promise<boolean> {
  try {
    await mkdir(path, { mode });
    made.push(path);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return false;
    if (code === 'EEXIST' && (await stat(path)).isDirectory()) return true;
    throw err;
  }
}

/**
 * Removes the directories `made` lists, deepest first, each only if it is still empty (what
 * someone else put there stays, and so do its parents). Clears `made`.
 */
export async function removeMadeDirs(made: string[]): Promise<void> {
  for (const dir of made.splice(0).reverse()) {
    try {
      await rmdir(dir);
    } catch (err) {
      const code = errnoCode(err);
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw err;
    }
  }
}
