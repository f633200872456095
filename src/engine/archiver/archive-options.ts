/**
 * What a backup is asked to do (options), what it reports while it runs (progress) and at the end
 * (stats), and the directory exclusion rules that depend on a directory's content
 * (`--exclude-if-present`, `--exclude-caches`).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Id } from '../../core/index.js';
import type { PathFilter } from '../filter/index.js';
import { childPath as join } from './dir-scanner.js';

export interface ArchiveOptions {
  exclude?: PathFilter;
  /** Leave out directories holding a file with one of these names. */
  excludeIfPresent?: string[];
  /** Leave out directories with a valid CACHEDIR.TAG. */
  excludeCaches?: boolean;
  excludeLargerThan?: number;
  oneFileSystem?: boolean;
  /** Root tree of the parent snapshot (change detection). */
  parentTree?: Id;
  /** Read every file even when the parent says it is unchanged. */
  force?: boolean;
  signal?: AbortSignal;
  onError?: (path: string, err: Error) => void;
  onWarning?: (path: string, message: string) => void;
  onProgress?: (p: ArchiveProgress) => void;
}

export interface ArchiveProgress {
  filesDone: number;
  bytesDone: number;
  dirsDone: number;
  /** Files and bytes found so far (the walk runs ahead of reading, so these converge early). */
  filesTotal?: number;
  bytesTotal?: number;
  current?: string;
}

export interface ArchiveStats {
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dirsNew: number;
  dirsChanged: number;
  dirsUnmodified: number;
  totalFilesProcessed: number;
  totalBytesProcessed: number;
  errors: number;
}

/** The first bytes of a valid CACHEDIR.TAG (bford.info/cachedir). */
const CACHEDIR_SIGNATURE = 'Signature: 8a477f597d28d172789f06886806bc55';

/** True when the directory holds a file named by `excludeIfPresent` or a valid CACHEDIR.TAG (with `excludeCaches`). */
export function hasExclusionMarker(options: ArchiveOptions, path: Buffer): boolean {
  for (const name of options.excludeIfPresent ?? []) {
    if (existsSync(join(path, Buffer.from(name)))) return true;
  }
  if (options.excludeCaches) {
    try {
      const tag = readFileSync(join(path, Buffer.from('CACHEDIR.TAG')));
      if (tag.subarray(0, CACHEDIR_SIGNATURE.length).toString('latin1') === CACHEDIR_SIGNATURE) return true;
    } catch {
      // no tag
    }
  }
  return false;
}
