/**
 * The local backend's temporary files: a save writes `<name>-tmp-<16 hex>` beside the final
 * name and links it into place (local-backend.ts). A process killed mid-save leaves it behind;
 * listings never show it (not an ID), so only `removeStaleTemporaries` ever removes it.
 */
import { randomBytes } from 'node:crypto';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../core/index.js';

/** A temporary of a stored file (an ID, or `config`). */
const TEMPORARY = /^(?:[0-9a-f]{64}|config)-tmp-[0-9a-f]{16}$/;

/** The temporary file a save of `final` writes first. */
export function temporaryPath(final: string): string {
  return `${final}-tmp-${randomBytes(8).toString('hex')}`;
}

/** The fan-out directories `data/XX` of the default layout that exist. */
export async function fanOutDirs(data: string): Promise<string[]> {
  try {
    return (await readdir(data, { withFileTypes: true })).filter((e) => e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name)).map((e) => join(data, e.name));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

export interface TemporariesResult {
  /** Temporaries removed (or, in a dry run, that would be). */
  count: number;
  bytes: number;
}

/**
 * Removes the temporaries in `dirs` last modified before `before` (ms since the epoch); newer
 * ones may belong to a save in progress and stay. Directories that do not exist are skipped.
 */
export async function removeStaleTemporaries(dirs: readonly string[], before: number, options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<TemporariesResult> {
  const result: TemporariesResult = { count: 0, bytes: 0 };
  for (const dir of dirs) {
    options.signal?.throwIfAborted();
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    for (const name of names) {
      if (!TEMPORARY.test(name)) continue;
      const path = join(dir, name);
      try {
        const st = await lstat(path);
        if (!st.isFile() || st.mtimeMs >= before) continue;
        if (!options.dryRun) await unlink(path);
        result.count++;
        result.bytes += st.size;
      } catch (err) {
        // finished (linked and unlinked) by its owner meanwhile
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    }
  }
  return result;
}
