/**
 * The restorer gives every directory it passes through the snapshot's metadata; directories
 * above a source's paths (`/srv` for `/srv/app`) are not the source's to change, so their mode,
 * owner and times are saved before a files step and put back after it.
 *
 * A failure to put one back is reported with the path (the step counts it as a problem, so
 * `rollback apply` exits 3); only failures meaning "not supported here" are ignored.
 */
import type { Stats } from 'node:fs';
import { chmod, lchown, lstat, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type MetadataCall, errnoCode, errorMessage, isUnsupportedHere } from '../core/index.js';

export interface SavedAncestors {
  /** The directories saved, deepest last. */
  readonly paths: readonly string[];
  /** Puts the saved metadata back; each failure goes to the `onProblem` given when saving. */
  putBack(): Promise<void>;
}

/** Saves the metadata of the directories above `roots`; what cannot be read goes to `onProblem`. */
export async function saveAncestorMetadata(roots: readonly string[], onProblem: (path: string, message: string) => void): Promise<SavedAncestors> {
  const dirs = new Set<string>();
  for (const root of roots) for (let d = dirname(root); d !== '/' && d !== '.'; d = dirname(d)) dirs.add(d);
  const saved: { path: string; st: Stats }[] = [];
  for (const path of dirs) {
    let st: Stats;
    try {
      st = await lstat(path);
    } catch (err) {
      // an ancestor that does not exist yet is created by the restore: it has nothing to put back
      if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') onProblem(path, `cannot save its metadata before the rollback: ${errorMessage(err)}`);
      continue;
    }
    if (st.isDirectory()) saved.push({ path, st });
  }
  return {
    paths: saved.map((s) => s.path),
    async putBack(): Promise<void> {
      const attempt = async (call: MetadataCall, what: string, path: string, fn: () => Promise<void>): Promise<void> => {
        try {
          await fn();
        } catch (err) {
          if (!isUnsupportedHere(call, err)) onProblem(path, `cannot put back the ${what} it had before the rollback: ${errorMessage(err)}`);
        }
      };
      for (const { path, st } of [...saved].reverse()) {
        await attempt('chmod', 'mode', path, () => chmod(path, st.mode & 0o7777));
        if (process.getuid?.() === 0) await attempt('chown', 'owner', path, () => lchown(path, st.uid, st.gid));
        await attempt('utimes', 'times', path, () => utimes(path, st.atime, st.mtime));
      }
    },
  };
}
