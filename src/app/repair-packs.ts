/**
 * Use-case: salvage damaged packs (restic repair packs, 0.16+). Under an exclusive lock:
 *
 *   copy each named pack as it is to `pack-ID` in the backup directory (never overwritten)
 *   for each blob the index lists in those packs: read it, verify it (MAC, hash), store it
 *     again in a new pack; a blob that fails is reported and left behind, unless the index
 *     knows a copy of it in another pack
 *   flush: new packs, then their index
 *   rewrite every index file that lists a named pack without it (new file first, then the old
 *     one removed), then remove the named packs
 *
 * What was lost stays referenced by snapshots: `repair snapshots --forget` removes it there.
 */
import { join } from 'node:path';
import { type Id, LifeboatError, errorMessage, isId } from '../core/index.js';
import { writeFileAtomic } from '../platform/fs/index.js';
import { type Repository, RepositoryLock, RepositoryWriter } from '../repository/index.js';

export interface RepairPacksRequest {
  packs: string[];
  /** Where the copies of the damaged packs go (restic: the current directory). */
  backupDir: string;
  signal?: AbortSignal;
  onBlobError?: (pack: Id, blob: Id, err: unknown) => void;
}

export interface RepairPacksResult {
  /** Copies of the packs as they were. */
  backups: string[];
  salvaged: number;
  lost: { pack: Id; blob: Id; type: 'data' | 'tree' }[];
  /** Named packs no index lists (nothing to salvage from them). */
  unindexed: Id[];
  indexFilesRewritten: number;
  packsRemoved: number;
}

export async function repairPacks(repo: Repository, req: RepairPacksRequest): Promise<RepairPacksResult> {
  const signal = req.signal;
  const ids = [...new Set(req.packs.map((p) => p.toLowerCase()))];
  if (ids.length === 0) throw new LifeboatError('E_USAGE', 'no pack IDs given', { hint: 'name the damaged packs, as `check --read-data` reports them' });
  for (const id of ids) if (!isId(id)) throw new LifeboatError('E_USAGE', `invalid pack ID ${JSON.stringify(id)}`, { hint: 'give the full 64-digit pack ID' });
  const damaged = new Set(ids as Id[]);
  const lock = await RepositoryLock.acquire(repo, { exclusive: true, signal });
  try {
    await repo.loadIndex({ signal });
    const result: RepairPacksResult = { backups: [], salvaged: 0, lost: [], unindexed: [], indexFilesRewritten: 0, packsRemoved: 0 };
    const present = new Map<Id, number>();
    for await (const f of repo.listFiles('data', signal)) if (damaged.has(f.id)) present.set(f.id, f.size);
    for (const id of damaged) {
      const size = present.get(id);
      if (size === undefined) continue;
      const path = join(req.backupDir, `pack-${id}`);
      const bytes = size > 0 ? await repo.loadPackRange(id, 0, size, signal) : new Uint8Array(0);
      await writeFileAtomic(path, bytes, { exclusive: true }).catch((err: unknown) => {
        throw new LifeboatError('E_IO', `cannot create the backup copy ${path}: ${errorMessage(err instanceof LifeboatError && err.cause ? err.cause : err)}`, {
          cause: err,
          hint: 'run in a directory where it can be written, and move earlier copies away',
        });
      });
      result.backups.push(path);
    }
    const blobs = [...repo.index.allCopies()].filter((b) => damaged.has(b.packId));
    for (const id of damaged) if (!blobs.some((b) => b.packId === id)) result.unindexed.push(id);
    const writer = new RepositoryWriter(repo, 'auto', signal);
    for (const b of blobs) {
      let plaintext: Buffer;
      try {
        plaintext = repo.decryptBlob(b, await repo.loadPackRange(b.packId, b.offset, b.length, signal));
      } catch (err) {
        signal?.throwIfAborted();
        // another pack holds a copy of it (a blob stored again after its first copy was found damaged)
        if (repo.index.locations(b.type, b.id).some((l) => !damaged.has(l.packId))) continue;
        result.lost.push({ pack: b.packId, blob: b.id, type: b.type });
        req.onBlobError?.(b.packId, b.id, err);
        continue;
      }
      await writer.saveBlobCopy(b.type, plaintext);
      result.salvaged++;
    }
    await writer.flush();
    // the index stops listing the damaged packs before they are removed
    const indexFiles: Id[] = [];
    for await (const f of repo.listFiles('index', signal)) indexFiles.push(f.id);
    for (const indexId of indexFiles) {
      const packs = await repo.loadIndexFile(indexId, signal);
      if (!packs.some((p) => damaged.has(p.id))) continue;
      const kept = packs.filter((p) => !damaged.has(p.id));
      if (kept.length) await repo.saveIndexFile(kept, signal);
      await repo.removeFile('index', indexId, signal);
      result.indexFilesRewritten++;
    }
    for (const id of present.keys()) {
      await repo.removeFile('data', id, signal);
      result.packsRemoved++;
    }
    return result;
  } finally {
    await lock.release();
  }
}
