/**
 * Use-cases of `repair`: rebuild the index from the packs (restic repair index), and rewrite
 * snapshots that reference missing data (restic 0.16 repair snapshots): a file whose blobs are
 * not all indexed keeps the blobs that are (its size is corrected), a directory whose tree
 * cannot be loaded becomes empty, a snapshot whose root tree cannot be loaded is removed.
 */
import type { Id } from '../core/index.js';
import { type RepairIndexResult, repairIndex } from '../engine/pruner/index.js';
import { type Repository, RepositoryLock } from '../repository/index.js';
import { type SnapshotRewriteRequest, type SnapshotRewriteResult, rewriteSnapshotTrees } from './snapshot-rewrite.js';

export type { RepairIndexResult };

export async function repairRepositoryIndex(repo: Repository, options: { readAllPacks?: boolean; signal?: AbortSignal }): Promise<RepairIndexResult> {
  const lock = await RepositoryLock.acquire(repo, { exclusive: true, signal: options.signal });
  try {
    return await repairIndex(repo, options);
  } finally {
    await lock.release();
  }
}

/** What repair snapshots did to one path (restic prints these lines). */
export interface SnapshotRepairEvent {
  path: string;
  kind: 'removed-content' | 'fixed-size' | 'removed-node' | 'emptied-dir' | 'unreadable-root';
}

export interface RepairSnapshotsRequest extends SnapshotRewriteRequest {
  onRepair?: (event: SnapshotRepairEvent) => void;
}

export async function repairSnapshots(repo: Repository, req: RepairSnapshotsRequest): Promise<SnapshotRewriteResult> {
  return rewriteSnapshotTrees(
    repo,
    {
      tag: 'repaired',
      exclusive: true,
      updateSummaryTotals: false,
      rewriter: {
        rewriteNode: (node, path) => {
          if (node.type === 'irregular') {
            req.onRepair?.({ path, kind: 'removed-node' });
            return undefined;
          }
          if (node.type !== 'file') return node;
          const content: Id[] = [];
          let size = 0;
          let missing = false;
          for (const id of node.content ?? []) {
            const n = repo.index.plaintextSize('data', id);
            if (n < 0) missing = true;
            else {
              content.push(id);
              size += n;
            }
          }
          if (!missing && size === node.size) return node;
          req.onRepair?.({ path, kind: missing ? 'removed-content' : 'fixed-size' });
          return { ...node, content, size };
        },
        rewriteFailedTree: (_id, path) => {
          if (path === '/') {
            req.onRepair?.({ path, kind: 'unreadable-root' });
            return undefined;
          }
          req.onRepair?.({ path, kind: 'emptied-dir' });
          return [];
        },
      },
    },
    req,
  );
}
