/** Use-case: restore a snapshot (or a path inside it) into a directory. */
import { PathFilter } from '../engine/filter/index.js';
import { type OverwriteMode, type RestoreAction, type RestoreProgress, type RestoreSummary, restoreTree } from '../engine/restorer/index.js';
import type { Repository, SnapshotFilter } from '../repository/index.js';
import { resolveSnapshotPath } from './snapshot-ref.js';

export interface RestoreRequest {
  snapshot: string;
  /** Sub-path inside the snapshot ('SNAPSHOT:PATH'). */
  path?: string;
  filter?: SnapshotFilter;
  target: string;
  include?: string[];
  exclude?: string[];
  iinclude?: string[];
  iexclude?: string[];
  dryRun?: boolean;
  verify?: boolean;
  sparse?: boolean;
  /** Where the target has an entry already (restic 0.17's --overwrite; default always). */
  overwrite?: OverwriteMode;
  /** Remove what the target has and the snapshot does not (restic 0.17's --delete). */
  delete?: boolean;
  onAction?: (action: RestoreAction, path: string) => void;
  signal?: AbortSignal;
  onProgress?: (p: RestoreProgress) => void;
  onError?: (path: string, err: Error) => void;
  onWarning?: (message: string) => void;
}

export interface RestoreResult extends RestoreSummary {
  snapshotId: string;
}

function pathFilter(patterns: string[] | undefined, insensitive: string[] | undefined, names: readonly [string, string]): PathFilter | undefined {
  const filter = new PathFilter(patterns ?? [], insensitive ?? [], { names });
  return filter.empty ? undefined : filter;
}

export async function restoreSnapshot(repo: Repository, req: RestoreRequest): Promise<RestoreResult> {
  const include = pathFilter(req.include, req.iinclude, ['--include', '--iinclude']);
  const exclude = pathFilter(req.exclude, req.iexclude, ['--exclude', '--iexclude']);
  const resolved = await resolveSnapshotPath(repo, req.snapshot, req.path, req.filter ?? {}, req.signal);
  const common = {
    target: req.target,
    include,
    exclude,
    dryRun: req.dryRun,
    verify: req.verify,
    sparse: req.sparse,
    overwrite: req.overwrite,
    delete: req.delete,
    onAction: req.onAction,
    signal: req.signal,
    onProgress: req.onProgress,
    onError: req.onError,
    onWarning: req.onWarning,
  };
  const node = resolved.node;
  let summary: RestoreSummary;
  if (!node) {
    summary = await restoreTree(repo, { ...common, tree: resolved.entry.snapshot.tree, basePath: Buffer.from('/') });
  } else if (node.type === 'dir' && node.subtree) {
    summary = await restoreTree(repo, { ...common, tree: node.subtree, basePath: resolved.path });
  } else {
    summary = await restoreTree(repo, { ...common, tree: resolved.parentTree, basePath: resolved.parentPath, only: node.name });
  }
  return { ...summary, snapshotId: resolved.entry.id };
}
