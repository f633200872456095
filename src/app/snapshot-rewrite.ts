/**
 * Replacing snapshots with rewritten ones (restic's filterAndReplaceSnapshot), shared by
 * `rewrite` and `repair snapshots`: each selected snapshot's tree goes through a TreeRewriter;
 * a changed one is saved as a new snapshot (original = the old ID, tagged `rewrite` or
 * `repaired` unless the old one is forgotten), in restic's order: packs, index, snapshot, then
 * the removal of the old snapshot. A snapshot whose root tree is gone is removed.
 */
import type { Id } from '../core/index.js';
import { TreeRewriter, type TreeRewriteOptions } from '../engine/walker/index.js';
import { type Repository, RepositoryLock, RepositoryWriter, type SnapshotEntry, type SnapshotFilter, findSnapshot, loadSnapshots } from '../repository/index.js';
import type { Snapshot } from '../repository/model/index.js';

export interface SnapshotRewriteRequest {
  /** Snapshot references; none: every snapshot matching `filter`. */
  snapshots?: string[];
  filter?: SnapshotFilter;
  /** Remove each original after its replacement is saved (no tag is added then). */
  forget?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Called before a snapshot is processed (the CLI prints it, as restic does). */
  onSnapshot?: (entry: SnapshotEntry) => void;
  /** Called after each snapshot with what was done (nothing: `action` 'unchanged'). */
  onOutcome?: (outcome: SnapshotRewriteOutcome | { from: Id; action: 'unchanged' }) => void;
}

export interface SnapshotRewriteOutcome {
  from: Id;
  /** The new snapshot; undefined when the snapshot was removed, or in a dry run. */
  to: Id | undefined;
  /** 'removed': its root tree could not be read (repair), so it was deleted. */
  action: 'saved' | 'removed';
  /** The original was deleted (--forget, or action 'removed'). */
  forgotten: boolean;
}

export interface SnapshotRewriteResult {
  changed: SnapshotRewriteOutcome[];
  unchanged: Id[];
  dryRun: boolean;
}

export interface RewriteSpec {
  /** Tag added to new snapshots unless `forget`. */
  tag: string;
  /** Exclusive lock (always for repair; for rewrite only with --forget, as restic). */
  exclusive: boolean;
  /** Tree rewriter options built per run. */
  rewriter: Omit<TreeRewriteOptions, 'signal'>;
  /** Recompute the summary's file count and bytes (rewrite with excludes, restic ≥ 0.17). */
  updateSummaryTotals: boolean;
}

export async function rewriteSnapshotTrees(repo: Repository, spec: RewriteSpec, req: SnapshotRewriteRequest): Promise<SnapshotRewriteResult> {
  const signal = req.signal;
  const dryRun = req.dryRun ?? false;
  const lock = await RepositoryLock.acquire(repo, { exclusive: spec.exclusive, signal });
  try {
    const targets = req.snapshots?.length ? await Promise.all(req.snapshots.map((ref) => findSnapshot(repo, ref, req.filter ?? {}, signal))) : await loadSnapshots(repo, req.filter ?? {}, { signal });
    await repo.loadIndex({ signal });
    const writer = new RepositoryWriter(repo, 'auto', signal, dryRun);
    const rewriter = new TreeRewriter({ loadTree: (id, s) => repo.loadTree(id, s), saveTree: (json) => writer.saveTree(json) }, { ...spec.rewriter, signal });
    const result: SnapshotRewriteResult = { changed: [], unchanged: [], dryRun };
    const seen = new Set<Id>();
    const done = (o: SnapshotRewriteOutcome): void => {
      result.changed.push(o);
      req.onOutcome?.(o);
    };
    for (const entry of targets) {
      if (seen.has(entry.id)) continue;
      seen.add(entry.id);
      req.onSnapshot?.(entry);
      const { id: tree, totals } = await rewriter.rewrite(entry.snapshot.tree);
      if (tree === undefined) {
        if (!dryRun) await repo.removeFile('snapshots', entry.id, signal);
        done({ from: entry.id, to: undefined, action: 'removed', forgotten: !dryRun });
        continue;
      }
      const old = entry.snapshot;
      let summary = old.summary;
      if (spec.updateSummaryTotals && summary) summary = { ...summary, totalFilesProcessed: totals.files, totalBytesProcessed: totals.bytes };
      const summaryChanged = summary !== old.summary && (summary?.totalFilesProcessed !== old.summary?.totalFilesProcessed || summary?.totalBytesProcessed !== old.summary?.totalBytesProcessed);
      if (tree === old.tree && !summaryChanged) {
        result.unchanged.push(entry.id);
        req.onOutcome?.({ from: entry.id, action: 'unchanged' });
        continue;
      }
      if (dryRun) {
        done({ from: entry.id, to: undefined, action: 'saved', forgotten: false });
        continue;
      }
      const next: Snapshot = { ...old, tree, original: entry.id };
      if (summary) next.summary = summary;
      if (!req.forget && !(old.tags ?? []).includes(spec.tag)) next.tags = [...(old.tags ?? []), spec.tag];
      // packs and index before the snapshot that needs them
      await writer.flush();
      const to = await writer.saveSnapshot(next);
      if (req.forget) await repo.removeFile('snapshots', entry.id, signal);
      done({ from: entry.id, to, action: 'saved', forgotten: Boolean(req.forget) });
    }
    await writer.flush();
    return result;
  } finally {
    await lock.release();
  }
}
