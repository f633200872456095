/**
 * What a restore is asked to do (RestoreOptions), reports while it runs (RestoreProgress) and
 * returns (RestoreSummary).
 */
import type { Id } from '../../core/index.js';
import type { PathMatcher } from '../filter/index.js';
import type { OverwriteMode, RestoreAction } from './existing-entries.js';

export interface RestoreOptions {
  /** Tree whose contents are restored into `target`. */
  tree: Id;
  target: string;
  /** Path of `tree` within the snapshot, for filters and messages ('/' for the root). */
  basePath?: Buffer;
  /** When set, only the single node `only` of `tree` is restored (restoring a file sub-path). */
  only?: Buffer;
  include?: PathMatcher;
  exclude?: PathMatcher;
  dryRun?: boolean;
  verify?: boolean;
  sparse?: boolean;
  owner?: boolean;
  xattrs?: boolean;
  /** What to do where the target already has an entry (restic 0.17's --overwrite; default always). */
  overwrite?: OverwriteMode;
  /**
   * Remove entries of the target that are not in the snapshot, in the directories restored
   * (never ones the exclude filter matches). A restorer's own temporary files left by an
   * interrupted restore are removed with or without it.
   */
  delete?: boolean;
  /** A directory in the way of a non-directory of the snapshot is removed (default: `delete`). */
  replaceDirectories?: boolean;
  /** Each action on an entry (for --dry-run -v), with its path as the snapshot names it. */
  onAction?: (action: RestoreAction, path: string) => void;
  /**
   * Told after each change made to the target: content written into a file's temporary file, a
   * file renamed into place, a directory, link or special file created, an entry removed (the
   * fault-injection tests stop a restore part way at the N-th).
   */
  afterWrite?: () => void;
  signal?: AbortSignal;
  onProgress?: (p: RestoreProgress) => void;
  /** A per-item problem (the restore goes on). */
  onError?: (path: string, err: Error) => void;
  /** A problem that did not keep anything from being restored (a damaged copy of a blob another copy replaced). */
  onWarning?: (message: string) => void;
}

export interface RestoreProgress {
  filesTotal: number;
  bytesTotal: number;
  filesDone: number;
  bytesDone: number;
}

/**
 * What a restore did. `filesDone` and `bytesDone` count what was written (a file whose content
 * could not be written counts in `filesFailed`, not there); `filesTotal`/`bytesTotal` what was
 * selected.
 */
export interface RestoreSummary extends RestoreProgress {
  /** Files (names, hard links included) that were selected but could not be written. */
  filesFailed: number;
  /** Files the target already had with the snapshot's content: only their metadata was set. */
  filesUnchanged: number;
  /** Entries the target already had and --overwrite kept as they were. */
  skipped: number;
  /** Entries of the target that are not in the snapshot, removed (--delete). */
  deleted: number;
  dirs: number;
  others: number;
  errors: number;
  /** Files whose content was read back and checked (--verify). */
  verified: number;
}
