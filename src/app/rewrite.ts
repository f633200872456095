/**
 * Use-case: remove files from existing snapshots (restic rewrite --exclude): each matching
 * snapshot is saved anew without the excluded paths; with `forget` the original is deleted,
 * else the new one is tagged `rewrite`. The data of removed files stays in the repository
 * until `prune` (or `forget --prune`) runs once no snapshot references it.
 */
import { readFile } from 'node:fs/promises';
import { LifeboatError } from '../core/index.js';
import { PathFilter } from '../engine/filter/index.js';
import type { Repository } from '../repository/index.js';
import { type SnapshotRewriteRequest, type SnapshotRewriteResult, rewriteSnapshotTrees } from './snapshot-rewrite.js';

export interface RewriteRequest extends SnapshotRewriteRequest {
  exclude?: string[];
  iexclude?: string[];
  /** Files of patterns, one a line ('#' comments and blank lines ignored), as backup's. */
  excludeFile?: string[];
  iexcludeFile?: string[];
  /** Called for every path left out (restic prints these with -vv). */
  onExclude?: (path: string) => void;
}

async function patternsFrom(files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new LifeboatError('E_IO', `cannot read exclude file ${file}: ${(err as Error).message}`, { cause: err, hint: 'check the path given to --exclude-file' });
    }
    out.push(
      ...text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
  }
  return out;
}

export async function rewriteSnapshots(repo: Repository, req: RewriteRequest): Promise<SnapshotRewriteResult> {
  const exclude = [...(req.exclude ?? []), ...(await patternsFrom(req.excludeFile ?? []))];
  const iexclude = [...(req.iexclude ?? []), ...(await patternsFrom(req.iexcludeFile ?? []))];
  const filter = new PathFilter(exclude, iexclude);
  if (filter.isEmpty()) {
    throw new LifeboatError('E_USAGE', 'nothing to do: no exclude patterns given', { hint: 'name what to remove with --exclude PATTERN or --exclude-file FILE' });
  }
  return rewriteSnapshotTrees(
    repo,
    {
      tag: 'rewrite',
      exclusive: Boolean(req.forget),
      updateSummaryTotals: true,
      rewriter: {
        rewriteNode: (node, path) => {
          if (!filter.matchesExactly(path)) return node;
          req.onExclude?.(path);
          return undefined;
        },
      },
    },
    req,
  );
}
