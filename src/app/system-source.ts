/**
 * A plan's `system` source in `point create`: the machine's layout is captured, the root and
 * every local filesystem under it are backed up in one snapshot (one-file-system: proc, sys, dev,
 * run, tmpfs... are left out), and the layout is stored beside it in its own snapshot
 * (layout.json for `system restore`, layout.txt for people), tagged `system-layout`.
 */
import { isAbsolute, relative } from 'node:path';
import type { ArchiveProgress } from '../engine/archiver/index.js';
import type { Repository } from '../repository/index.js';
import { type PointSourceRecord, type SystemSource, sourceTag } from '../rollback/index.js';
import { LAYOUT_FILE, LAYOUT_TAG, LAYOUT_TEXT_FILE, captureLayout, describeLayout, encodeLayout } from '../system/index.js';
import { backup } from './backup.js';

export interface SystemSourceContext {
  tags: string[];
  host: string;
  /** The repository's directory when it is local: never backed up into itself. */
  repositoryPath?: string;
  signal?: AbortSignal;
  warn: (message: string) => void;
  onProgress?: (p: ArchiveProgress) => void;
}

export async function backupSystemSource(repo: Repository, source: SystemSource, ctx: SystemSourceContext): Promise<PointSourceRecord> {
  const { layout, paths } = await captureLayout({ root: source.system.root, disks: source.system.disks, host: ctx.host, signal: ctx.signal });
  for (const w of layout.warnings) ctx.warn(`${source.name}: ${w}`);
  const repoPath = ctx.repositoryPath;
  const repoInside = repoPath !== undefined && isAbsolute(repoPath) && paths.some((p) => !relative(p, repoPath).startsWith('..'));
  let unreadable = 0;
  const result = await backup(repo, {
    paths,
    exclude: [...(source.exclude ?? []), ...(repoInside ? [repoPath] : [])],
    oneFileSystem: true,
    tags: [...ctx.tags, sourceTag(source.name)],
    host: ctx.host,
    signal: ctx.signal,
    onProgress: ctx.onProgress,
    onError: (path, err) => {
      unreadable++;
      ctx.warn(`${source.name}: ${path}: ${err.message}`);
    },
    onWarning: (path, message) => ctx.warn(`${source.name}: ${path}: ${message}`),
  });
  const stored = await backup(repo, {
    paths: [],
    files: [
      { filename: LAYOUT_FILE, data: encodeLayout(layout) },
      { filename: LAYOUT_TEXT_FILE, data: Buffer.from(describeLayout(layout)) },
    ],
    tags: [...ctx.tags, sourceTag(source.name), LAYOUT_TAG],
    host: ctx.host,
    signal: ctx.signal,
  });
  return {
    name: source.name,
    kind: 'system',
    snapshot: result.snapshotId!,
    layout: stored.snapshotId!,
    paths,
    files: result.stats.totalFilesProcessed,
    bytes: result.stats.totalBytesProcessed,
    dataAdded: result.dataAdded,
    unreadable,
  };
}
