/**
 * The writing half of prune: carries out a PrunePlan in restic's safe order, so that an
 * interruption at any point leaves a valid repository.
 *
 *   1. copy the used blobs of packs to repack into new packs (the encrypted bytes as stored,
 *      after verifying them; uncompressed ones compressed when the plan says so) through the
 *      one pack writer (PackFileWriter), upload them
 *   2. write new index files describing every pack that stays plus the new ones
 *   3. delete the old index files
 *   4. delete the packs that are no longer referenced (repacked, unused, unindexed)
 *
 * A plan with nothing to delete or repack, whose index files name only packs that stay
 * (`indexCurrent`), writes and deletes nothing, as restic's prune.
 */
import { closeSync } from 'node:fs';
import type { Id } from '../../core/index.js';
import { type CompactPack, MasterIndex, compactPack, expandPack, packBlob } from '../../repository/index/index.js';
import { type PackFile, PackFileWriter, blobCompressionLevel, newBlobScratch, packFileBlobs } from '../../repository/pack/index.js';
import type { IndexPack } from '../../repository/model/index.js';
import { indexBatches } from './index-batches.js';
import type { PrunePlan, PruneRepository, PruneStats } from './plan-prune.js';

export interface ExecutePruneOptions {
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
  /** Test hook: called between the steps ('packs-written', 'index-written', 'old-index-deleted'). */
  onStep?: (step: string) => void;
}

/** A pack is read for repacking in spans of about this much (more when one blob is larger). */
const REPACK_SPAN_BYTES = 4 * 1024 * 1024;

/**
 * The byte ranges to read for a pack's used blobs, in pack order: consecutive used blobs share a
 * span while it stays within REPACK_SPAN_BYTES (the unused ones between them are read too), so
 * that a 16 MiB pack is not held whole.
 */
export function usedSpans(pack: CompactPack, used: Uint8Array): { start: number; end: number; blobs: number[] }[] {
  const order = Array.from({ length: pack.count }, (_, k) => k)
    .filter((k) => used[k])
    .sort((a, b) => pack.offsets[a]! - pack.offsets[b]!);
  const spans: { start: number; end: number; blobs: number[] }[] = [];
  for (const k of order) {
    const [start, end] = [pack.offsets[k]!, pack.offsets[k]! + pack.lengths[k]!];
    const last = spans[spans.length - 1];
    if (last && Math.max(last.end, end) - last.start <= REPACK_SPAN_BYTES) {
      last.end = Math.max(last.end, end);
      last.blobs.push(k);
    } else {
      spans.push({ start, end, blobs: [k] });
    }
  }
  return spans;
}

/** Copies the used blobs of the packs to repack into new packs; returns the new packs' index entries. */
async function repack(repo: PruneRepository, plan: PrunePlan, options: ExecutePruneOptions): Promise<CompactPack[]> {
  const signal = options.signal;
  const finished: PackFile[] = [];
  // the same level as a backup's (`auto`) for the blobs prune compresses
  const level = blobCompressionLevel(repo.version, 'auto');
  const writers = {
    // built where the repository can link them into place (Backend.packFileDir), else in the temp directory
    data: new PackFileWriter(repo.key, level, (pack) => finished.push(pack), undefined, repo.packFileDir),
    tree: new PackFileWriter(repo.key, level, (pack) => finished.push(pack), undefined, repo.packFileDir),
  };
  const created: CompactPack[] = [];
  const upload = async (): Promise<void> => {
    for (let pack = finished.shift(); pack; pack = finished.shift()) {
      await repo.savePackFile(pack, signal);
      created.push(compactPack({ id: pack.id, blobs: packFileBlobs(pack) }));
    }
  };
  try {
    const written = new MasterIndex();
    let spanBytes = Buffer.alloc(0);
    // each blob's plaintext in the same two buffers: only the pages of the largest blob are ever touched
    const scratch = newBlobScratch();
    for (const [i, p] of plan.toRepack.entries()) {
      options.onProgress?.({ phase: 'repack', done: i, total: plan.toRepack.length });
      for (const span of usedSpans(p.blobs, p.used)) {
        // one buffer for every span: the writer has copied a blob before the next span is read
        if (spanBytes.length < span.end - span.start) spanBytes = Buffer.allocUnsafe(Math.max(span.end - span.start, REPACK_SPAN_BYTES));
        const bytes = spanBytes.subarray(0, span.end - span.start);
        await repo.loadPackRangeInto(p.id, span.start, bytes, signal);
        for (const k of span.blobs) {
          const b = packBlob(p.blobs, k);
          if (written.has(b.type, b.id)) continue;
          written.add(b.type, b.id, b.id, 0, 0, 0);
          const sealed = bytes.subarray(b.offset - span.start, b.offset - span.start + b.length);
          // decrypting verifies the blob before it is copied
          const plain = repo.decryptBlob({ type: b.type, id: b.id, packId: p.id, uncompressedLength: b.uncompressedLength }, sealed, scratch);
          if (plan.compressUncompressed && b.uncompressedLength === 0) writers[b.type].addBlob(b.type, b.id, plain, true);
          else writers[b.type].addSealedBlob(b.type, b.id, sealed, b.uncompressedLength);
          await upload();
        }
      }
    }
    writers.data.finish();
    writers.tree.finish();
    await upload();
  } finally {
    writers.data.discard();
    writers.tree.discard();
    for (const pack of finished) closeSync(pack.fd);
  }
  return created;
}

/** Each pack's entries as objects, made when the index encoder asks for them. */
function* expandEach(packs: readonly CompactPack[]): Generator<IndexPack> {
  for (const p of packs) yield expandPack(p);
}

/** Carries out a plan from `planPrune`; returns its figures with the number of new packs. */
export async function executePrune(repo: PruneRepository, plan: PrunePlan, options: ExecutePruneOptions = {}): Promise<PruneStats> {
  const signal = options.signal;
  const stats: PruneStats = { ...plan.stats };
  if (plan.indexCurrent) return stats;
  // 1. repack
  const created = await repack(repo, plan, options);
  stats.newPacks = created.length;
  options.onStep?.('packs-written');

  // 2. new index, 3. old index files gone, 4. packs gone
  // each pack's entries expanded to objects when the encoder comes to it
  const newIndex: CompactPack[] = [...plan.keptPacks.map((p) => p.blobs), ...created];
  const newIndexIds = new Set<Id>();
  for (const batch of indexBatches(newIndex, (p) => p.count)) newIndexIds.add(await repo.saveIndexFile(expandEach(batch), signal));
  options.onStep?.('index-written');
  for (const id of plan.indexFiles) if (!newIndexIds.has(id)) await repo.removeFile('index', id, signal);
  options.onStep?.('old-index-deleted');
  for (const id of [...plan.toDelete, ...plan.toRepack.map((p) => p.id), ...plan.unindexed]) await repo.removeFile('data', id, signal);
  return stats;
}
