/**
 * Rebuilds the index from the packs themselves (restic repair index / rebuild-index): every pack
 * in data/ is described by its own header. New index files are written first, then the old ones
 * removed, so an interruption leaves the old index or both.
 */
import { type Id, errorMessage } from '../../core/index.js';
import type { IndexPack } from '../../repository/model/index.js';
import type { PackHeaderBlob } from '../checker/index.js';
import { indexBatches } from './index-batches.js';

export interface RepairIndexRepository {
  listFiles(type: 'index' | 'data', signal?: AbortSignal): AsyncIterable<{ id: Id; size: number }>;
  loadIndexFile(id: Id, signal?: AbortSignal): Promise<IndexPack[]>;
  loadPackHeader(packId: Id, signal?: AbortSignal): Promise<PackHeaderBlob[]>;
  saveIndexFile(packs: IndexPack[], signal?: AbortSignal): Promise<Id>;
  removeFile(type: 'index', id: Id, signal?: AbortSignal): Promise<void>;
}

export interface RepairIndexResult {
  packs: number;
  /** Packs whose header could not be read: left out of the index (their data is lost). */
  unreadable: { pack: Id; message: string }[];
  oldIndexFiles: number;
  newIndexFiles: number;
}

export async function repairIndex(
  repo: RepairIndexRepository,
  options: { readAllPacks?: boolean; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<RepairIndexResult> {
  const signal = options.signal;
  const oldIndex: Id[] = [];
  for await (const f of repo.listFiles('index', signal)) oldIndex.push(f.id);
  // entries of packs already indexed are trusted unless every pack is to be read
  const known = new Map<Id, IndexPack>();
  if (!options.readAllPacks) {
    for (const id of oldIndex) {
      try {
        for (const p of await repo.loadIndexFile(id, signal)) if (!known.has(p.id)) known.set(p.id, p);
      } catch {
        // an unreadable index file: its packs are read below
      }
    }
  }
  const packs: { id: Id; size: number }[] = [];
  for await (const f of repo.listFiles('data', signal)) packs.push(f);
  const result: RepairIndexResult = { packs: 0, unreadable: [], oldIndexFiles: oldIndex.length, newIndexFiles: 0 };
  const entries: IndexPack[] = [];
  for (const [i, p] of packs.entries()) {
    options.onProgress?.(i, packs.length);
    const indexed = known.get(p.id);
    if (indexed) {
      entries.push(indexed);
      continue;
    }
    try {
      const header = await repo.loadPackHeader(p.id, signal);
      entries.push({ id: p.id, blobs: header.map((b) => ({ id: b.id, type: b.type, offset: b.offset, length: b.length, uncompressedLength: b.uncompressedLength })) });
    } catch (err) {
      result.unreadable.push({ pack: p.id, message: errorMessage(err) });
    }
  }
  result.packs = entries.length;
  const written = new Set<Id>();
  for (const batch of indexBatches(entries, (e) => e.blobs.length)) written.add(await repo.saveIndexFile(batch, signal));
  result.newIndexFiles = written.size;
  for (const id of oldIndex) if (!written.has(id)) await repo.removeFile('index', id, signal);
  return result;
}
