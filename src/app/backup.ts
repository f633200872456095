/**
 * Use-case: back up paths (or a stream) into a new snapshot.
 *
 *   lock (non-exclusive) → load index → find the parent snapshot → archive (file lanes
 *   pack data, the main thread saves trees) → flush packs → write index → write snapshot
 *
 * restic's write order is kept, so a backup killed at any point leaves a valid repository and
 * the packs it uploaded are reused by the next run once indexed.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { Readable } from 'node:stream';
import { type Id, LifeboatError, NotFoundError, errorMessage } from '../core/index.js';
import { Archiver, type ArchiveProgress, type ArchiveStats, type ArchiveTarget, FileLanes, archiveTarget, defaultLaneCount, saveStream } from '../engine/archiver/index.js';
import { PathFilter } from '../engine/filter/index.js';
import { type CompressionMode, type Repository, RepositoryLock, RepositoryWriter, type SnapshotEntry, findSnapshot, loadSnapshots, safeUsername } from '../repository/index.js';
import { type Node, type Snapshot, encodeTree, formatGoTime, goTimeFromNs } from '../repository/model/index.js';
import { VERSION } from './version.js';

export interface BackupRequest {
  paths: string[];
  exclude?: string[];
  iexclude?: string[];
  excludeFiles?: string[];
  excludeCaches?: boolean;
  excludeIfPresent?: string[];
  excludeLargerThan?: number;
  oneFileSystem?: boolean;
  filesFrom?: string[];
  tags?: string[];
  host?: string;
  /** Snapshot time (RFC 3339 or 'YYYY-MM-DD HH:MM:SS' local); now by default. */
  time?: Date;
  parent?: string;
  force?: boolean;
  dryRun?: boolean;
  compression?: CompressionMode;
  /** Back up a stream as one file of this name instead of paths. */
  stdin?: { stream: Readable; filename: string };
  /** Back up a command's standard output; a non-zero exit saves no snapshot. */
  stdinCommand?: { argv: string[]; filename: string };
  /** Back up these bytes as files at the root of the snapshot (inventory documents, manifests). */
  files?: { filename: string; data: Uint8Array | Iterable<Uint8Array> }[];
  /** File lanes (read, chunk, pack) in parallel; default: one per core (see defaultLaneCount). */
  lanes?: number;
  signal?: AbortSignal;
  onProgress?: (p: ArchiveProgress) => void;
  onError?: (path: string, err: Error) => void;
  onWarning?: (path: string, message: string) => void;
}

export interface BackupResult {
  snapshotId?: Id;
  parent?: Id;
  stats: ArchiveStats;
  dataBlobs: number;
  treeBlobs: number;
  dataAdded: number;
  dataAddedPacked: number;
  dryRun: boolean;
  startedAt: Date;
  finishedAt: Date;
}

/** The snapshot's paths (absolute, sorted) and where each goes in its tree (restic's placement). */
function backupTargets(args: string[]): { paths: string[]; targets: ArchiveTarget[] } {
  const targets = new Map<string, ArchiveTarget>();
  for (const arg of args) {
    const t = archiveTarget(arg, process.cwd());
    if (!targets.has(t.path)) targets.set(t.path, t);
  }
  return { paths: [...targets.keys()].sort(), targets: [...targets.values()] };
}

function readListFiles(files: string[] | undefined, what: string): string[] {
  const out: string[] = [];
  for (const f of files ?? []) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (err) {
      throw new LifeboatError('E_USAGE', `cannot read ${what} ${f}: ${(err as Error).message}`, { cause: err });
    }
    for (const line of text.split('\n')) {
      const l = line.replace(/\r$/, '').trim();
      if (l && !l.startsWith('#')) out.push(l);
    }
  }
  return out;
}

async function findParent(repo: Repository, req: BackupRequest, host: string, paths: string[]): Promise<SnapshotEntry | undefined> {
  if (req.force) return undefined;
  if (req.parent) return findSnapshot(repo, req.parent, {}, req.signal);
  const candidates = await loadSnapshots(
    repo,
    { hosts: [host] },
    {
      signal: req.signal,
      onError: (id, err) => {
        // removed by a concurrent forget since the listing: it is no candidate any more
        if (err instanceof NotFoundError) return;
        const problem = new LifeboatError('E_INTEGRITY', `snapshot ${id.slice(0, 8)} cannot be read, so it is not considered as parent: ${errorMessage(err)}`, {
          cause: err,
          hint: '`lifeboat check` names the damage; `lifeboat repair snapshots --forget` removes unreadable snapshots',
        });
        if (!req.onError) throw problem;
        req.onError(`snapshots/${id}`, problem);
      },
    },
  );
  const key = paths.join('\0');
  return candidates.filter((c) => [...c.snapshot.paths].sort().join('\0') === key).at(-1);
}

function nowTime(date: Date): string {
  return formatGoTime(goTimeFromNs(BigInt(date.getTime()) * 1_000_000n));
}

export async function backup(repo: Repository, req: BackupRequest): Promise<BackupResult> {
  const startedAt = new Date();
  const host = req.host ?? osHostname();
  const rootFiles = rootFileSources(req);
  const placed = rootFiles ? undefined : backupTargets([...req.paths, ...readListFiles(req.filesFrom, 'files-from list')]);
  const paths = rootFiles ? rootFiles.map((f) => `/${f.filename}`) : placed!.paths;
  if (paths.length === 0) throw new LifeboatError('E_USAGE', 'nothing to back up', { hint: 'give at least one path, --files-from or --stdin' });
  const excludes = [...(req.exclude ?? []), ...readListFiles(req.excludeFiles, 'exclude file')];
  const exclude = new PathFilter(excludes, req.iexclude ?? [], { names: ['--exclude', '--iexclude'] });
  const lock = req.dryRun ? undefined : await RepositoryLock.acquire(repo, { exclusive: false, signal: req.signal });
  try {
    await repo.loadIndex({ signal: req.signal });
    const parent = rootFiles ? undefined : await findParent(repo, req, host, paths);
    const writer = new RepositoryWriter(repo, req.compression ?? 'auto', req.signal, req.dryRun);
    let tree: Id;
    let stats: ArchiveStats;
    if (rootFiles) {
      ({ tree, stats } = await backupRootFiles(repo, writer, req, rootFiles));
    } else {
      const pool = new FileLanes(writer, { key: repo.key, polynomial: repo.config.chunkerPolynomial, level: writer.level, packsInFlight: 2 }, Math.max(1, req.lanes ?? defaultLaneCount()));
      const archiver = new Archiver(repo, writer, pool, {
        exclude,
        excludeIfPresent: req.excludeIfPresent,
        excludeCaches: req.excludeCaches,
        excludeLargerThan: req.excludeLargerThan,
        oneFileSystem: req.oneFileSystem,
        parentTree: parent?.snapshot.tree,
        force: req.force,
        signal: req.signal,
        onError: req.onError,
        onWarning: req.onWarning,
        onProgress: req.onProgress,
      });
      try {
        tree = await archiver.archive(placed!.targets);
      } finally {
        await pool.close();
      }
      stats = archiver.stats;
    }
    await writer.flush();
    const finishedAt = new Date();
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const snapshot: Snapshot = {
      time: nowTime(req.time ?? startedAt),
      ...(parent ? { parent: parent.id } : {}),
      tree,
      paths,
      hostname: host,
      username: safeUsername(),
      ...(uid ? { uid } : {}),
      ...(gid ? { gid } : {}),
      ...(excludes.length ? { excludes } : {}),
      ...(req.tags?.length ? { tags: req.tags } : {}),
      programVersion: `lifeboat ${VERSION}`,
      summary: {
        backupStart: nowTime(startedAt),
        backupEnd: nowTime(finishedAt),
        filesNew: stats.filesNew,
        filesChanged: stats.filesChanged,
        filesUnmodified: stats.filesUnmodified,
        dirsNew: stats.dirsNew,
        dirsChanged: stats.dirsChanged,
        dirsUnmodified: stats.dirsUnmodified,
        dataBlobs: writer.stats.dataBlobs,
        treeBlobs: writer.stats.treeBlobs,
        dataAdded: writer.stats.dataAdded,
        dataAddedPacked: writer.stats.dataAddedPacked,
        totalFilesProcessed: stats.totalFilesProcessed,
        totalBytesProcessed: stats.totalBytesProcessed,
      },
    };
    const snapshotId = req.dryRun ? undefined : await writer.saveSnapshot(snapshot);
    return {
      snapshotId,
      parent: parent?.id,
      stats,
      dataBlobs: writer.stats.dataBlobs,
      treeBlobs: writer.stats.treeBlobs,
      dataAdded: writer.stats.dataAdded,
      dataAddedPacked: writer.stats.dataAddedPacked,
      dryRun: Boolean(req.dryRun),
      startedAt,
      finishedAt,
    };
  } finally {
    await lock?.release();
  }
}

interface RootFile {
  filename: string;
  /** Opens the stream; `exited` resolves to the exit code of the command producing it, if any. */
  open(): { stream: Readable; exited?: Promise<number> };
}

function checkRootName(name: string): string {
  const cleaned = name.replace(/^\/+/, '');
  if (cleaned === '' || cleaned.includes('/') || cleaned === '.' || cleaned === '..') {
    throw new LifeboatError('E_USAGE', `invalid --stdin-filename ${JSON.stringify(name)}`, { hint: 'use a plain file name without "/"' });
  }
  return cleaned;
}

/** The files a stream backup puts at the root of its snapshot, or undefined for a path backup. */
function rootFileSources(req: BackupRequest): RootFile[] | undefined {
  if (req.stdin) {
    const stream = req.stdin.stream;
    return [{ filename: checkRootName(req.stdin.filename), open: () => ({ stream }) }];
  }
  if (req.stdinCommand) {
    const argv = req.stdinCommand.argv;
    return [{ filename: checkRootName(req.stdinCommand.filename), open: () => spawnForOutput(argv, req.signal) }];
  }
  if (req.files) {
    const names = new Set<string>();
    return req.files.map((f) => {
      const filename = checkRootName(f.filename);
      if (names.has(filename)) throw new LifeboatError('E_USAGE', `file ${filename} given twice`);
      names.add(filename);
      const data = f.data;
      return { filename, open: () => ({ stream: Readable.from(data instanceof Uint8Array ? [data] : data) }) };
    });
  }
  return undefined;
}

function spawnForOutput(argv: string[], signal?: AbortSignal): { stream: Readable; exited: Promise<number> } {
  const [cmd, ...args] = argv;
  if (!cmd) throw new LifeboatError('E_USAGE', '--stdin-from-command needs a command after --');
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], signal });
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', (err) => reject(new LifeboatError('E_COMMAND_FAILED', `cannot run ${cmd}: ${err.message}`, { cause: err, hint: 'check the command name and PATH; no snapshot was saved' })));
    child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  });
  // a command that cannot start rejects `exited` while its (empty) output is still being saved;
  // backupRootFiles awaits `exited` right after and throws this error, so mark it handled until then
  exited.catch(() => undefined);
  return { stream: child.stdout, exited };
}

/** Streams (stdin, a command's output, given bytes) saved as files at the root of the snapshot. */
async function backupRootFiles(repo: Repository, writer: RepositoryWriter, req: BackupRequest, files: RootFile[]): Promise<{ tree: Id; stats: ArchiveStats }> {
  const nodes: Node[] = [];
  let total = 0;
  for (const file of files) {
    const { stream, exited } = file.open();
    const started = Date.now();
    const result = await saveStream(
      stream,
      repo.config.chunkerPolynomial,
      (data) => writer.saveDataBlob(data),
      (bytes) => req.onProgress?.({ filesDone: nodes.length, bytesDone: total + bytes, dirsDone: 0, current: file.filename }),
    );
    const code = await exited;
    if (code !== undefined && code !== 0) {
      throw new LifeboatError('E_COMMAND_FAILED', `command ${req.stdinCommand?.argv.join(' ')} exited with code ${code}: no snapshot saved`, {
        hint: 'fix the command; the data it wrote is stored but no snapshot references it',
      });
    }
    total += result.size;
    const now = formatGoTime(goTimeFromNs(BigInt(started) * 1_000_000n));
    nodes.push({
      name: Buffer.from(file.filename),
      type: 'file',
      mode: 0o644,
      mtime: now,
      atime: now,
      ctime: now,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      inode: 0n,
      deviceId: 0n,
      size: result.size,
      links: 0n,
      device: 0n,
      content: result.content,
    });
  }
  nodes.sort((a, b) => Buffer.compare(a.name, b.name));
  const tree = await writer.saveTree(encodeTree(nodes));
  const stats: ArchiveStats = {
    filesNew: nodes.length,
    filesChanged: 0,
    filesUnmodified: 0,
    dirsNew: 0,
    dirsChanged: 0,
    dirsUnmodified: 0,
    totalFilesProcessed: nodes.length,
    totalBytesProcessed: total,
    errors: 0,
  };
  return { tree, stats };
}
