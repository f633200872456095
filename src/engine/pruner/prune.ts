/**
 * Prune (restic's algorithm, simplified): drop blobs no snapshot references, in restic's safe
 * order so that an interruption at any point leaves a valid repository.
 *
 *   plan:    walk every snapshot's trees → set of used blobs (typed, no object per blob);
 *            per pack (from the index files): used and unused blobs; a blob's first indexed
 *            copy is the one kept, later copies are duplicates (unused);
 *            packs with no used blob are deleted; partly used packs are repacked, most unused
 *            first, until the unused bytes left are at most `maxUnused` of the used bytes
 *            (and within `maxRepackBytes`); mixed data/tree packs are repacked, and with
 *            `repackUncompressed` packs holding uncompressed blobs (v2) too
 *   execute: 1. copy the used blobs of packs to repack into new packs (the encrypted bytes as
 *               stored, after verifying them), upload them
 *            2. write new index files describing every pack that stays plus the new ones
 *            3. delete the old index files
 *            4. delete the packs that are no longer referenced (repacked, unused, unindexed)
 */
import { type Id, IntegrityError, errorMessage } from '../../core/index.js';
import { type CompactPack, MasterIndex, compactPack, expandPack, packBlob } from '../../repository/index/index.js';
import type { CryptoKey } from '../../repository/crypto/index.js';
import type { IndexPack, Node, Snapshot } from '../../repository/model/index.js';
import { PACK_BUFFER_SIZE, PackBuilder, type FinishedPack } from '../../repository/pack/index.js';
import type { BlobIndex, BlobType } from '../../repository/ports.js';

export interface PruneRepository {
  readonly index: BlobIndex;
  readonly key: CryptoKey;
  readonly version: number;
  listFiles(type: 'index' | 'data' | 'snapshots', signal?: AbortSignal): AsyncIterable<{ id: Id; size: number }>;
  loadIndexFile(id: Id, signal?: AbortSignal): Promise<IndexPack[]>;
  loadSnapshot(id: Id, signal?: AbortSignal): Promise<Snapshot>;
  loadTree(id: Id, signal?: AbortSignal): Promise<Node[]>;
  /** True when this copy of a blob failed verification while it was loaded in this run. */
  copyFailed(packId: Id, offset: number): boolean;
  loadPackRange(packId: Id, offset: number, length: number, signal?: AbortSignal): Promise<Buffer>;
  decryptBlob(loc: { type: BlobType; id: Id; packId: Id; uncompressedLength: number }, bytes: Uint8Array): Buffer;
  savePackFile(pack: FinishedPack, signal?: AbortSignal): Promise<void>;
  saveIndexFile(packs: IndexPack[], signal?: AbortSignal): Promise<Id>;
  removeFile(type: 'index' | 'data', id: Id, signal?: AbortSignal): Promise<void>;
}

export interface PruneOptions {
  /** Allowed unused bytes, as a fraction of used bytes (restic's --max-unused 5% = 0.05). */
  maxUnused?: number;
  maxRepackBytes?: number;
  repackUncompressed?: boolean;
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
  /** Test hook: called between the steps of `execute` ('packs-written', 'index-written', 'old-index-deleted'). */
  onStep?: (step: string) => void;
}

export interface PruneStats {
  usedBlobs: number;
  usedBytes: number;
  unusedBlobs: number;
  unusedBytes: number;
  duplicateBlobs: number;
  packsKept: number;
  packsToRepack: number;
  packsToDelete: number;
  unindexedPacks: number;
  bytesToRepack: number;
  bytesFreed: number;
  newPacks: number;
}

interface PackState {
  id: Id;
  size: number;
  blobs: CompactPack;
  /** 1 where the blob at that position is the copy that stays. */
  used: Uint8Array;
  usedBytes: number;
  unusedBytes: number;
  mixed: boolean;
  uncompressed: boolean;
}

const INDEX_MAX_BLOBS = 50_000;

/**
 * Why a used blob has no copy to keep: its index entries name packs that are gone, or no index
 * names it at all (then a pack nobody indexed may hold it: `repair index` reads pack headers).
 */
function missingBlobError(type: BlobType, id: Id, packs: Map<Id, PackState>, onDisk: Map<Id, number>): IntegrityError {
  const indexedIn: Id[] = [];
  for (const p of packs.values()) {
    for (let i = 0; i < p.blobs.count; i++) {
      const b = packBlob(p.blobs, i);
      if (b.type === type && b.id === id) indexedIn.push(p.id);
    }
  }
  if (indexedIn.length > 0) {
    return new IntegrityError(`${type} blob ${id} is used by a snapshot but in no existing pack (the index names ${indexedIn.join(', ')}, which ${indexedIn.length === 1 ? 'is' : 'are'} missing): refusing to prune`, {
      hint: 'run `lifeboat check`; restore the missing pack, or `lifeboat repair index` and back up the files again',
    });
  }
  let unindexed = 0;
  for (const packId of onDisk.keys()) if (!packs.has(packId)) unindexed++;
  const where = unindexed > 0 ? ` (${unindexed} pack${unindexed === 1 ? ' is' : 's are'} in no index either and may hold it)` : '';
  return new IntegrityError(`${type} blob ${id} is used by a snapshot but in no index${where}: refusing to prune`, {
    hint: 'run `lifeboat repair index` (it indexes every pack from its header), then prune again',
  });
}

export async function prune(repo: PruneRepository, options: PruneOptions = {}): Promise<PruneStats> {
  const signal = options.signal;
  // used blobs: every tree reachable from a snapshot, every data blob those trees name
  const used = new MasterIndex();
  const visit = async (tree: Id): Promise<void> => {
    if (used.has('tree', tree)) return;
    used.add('tree', tree, tree, 0, 0, 0);
    let nodes: Node[];
    try {
      nodes = await repo.loadTree(tree, signal);
    } catch (err) {
      throw new IntegrityError(`tree ${tree} cannot be loaded (${errorMessage(err)}): refusing to prune`, { hint: 'run `lifeboat check` and repair the repository first' });
    }
    for (const n of nodes) {
      if (n.type === 'file') for (const id of n.content ?? []) if (!used.has('data', id)) used.add('data', id, id, 0, 0, 0);
      if (n.type === 'dir' && n.subtree) await visit(n.subtree);
    }
  };
  const snapshots: Id[] = [];
  for await (const f of repo.listFiles('snapshots', signal)) snapshots.push(f.id);
  for (const [i, id] of snapshots.entries()) {
    options.onProgress?.({ phase: 'snapshots', done: i, total: snapshots.length });
    await visit((await repo.loadSnapshot(id, signal)).tree);
  }

  // packs, as the index files describe them
  const indexFiles: Id[] = [];
  for await (const f of repo.listFiles('index', signal)) indexFiles.push(f.id);
  const packs = new Map<Id, PackState>();
  for (const id of indexFiles) {
    for (const p of await repo.loadIndexFile(id, signal)) {
      if (packs.has(p.id)) continue;
      const types = new Set(p.blobs.map((b) => b.type));
      packs.set(p.id, {
        id: p.id, size: 0, blobs: compactPack(p), used: new Uint8Array(p.blobs.length), usedBytes: 0, unusedBytes: 0,
        mixed: types.size > 1, uncompressed: p.blobs.some((b) => b.uncompressedLength === 0),
      });
    }
  }
  const onDisk = new Map<Id, number>();
  for await (const f of repo.listFiles('data', signal)) onDisk.set(f.id, f.size);

  const stats: PruneStats = {
    usedBlobs: 0, usedBytes: 0, unusedBlobs: 0, unusedBytes: 0, duplicateBlobs: 0, packsKept: 0, packsToRepack: 0,
    packsToDelete: 0, unindexedPacks: 0, bytesToRepack: 0, bytesFreed: 0, newPacks: 0,
  };
  const kept = new MasterIndex();
  for (const p of packs.values()) {
    p.size = onDisk.get(p.id) ?? 0;
    for (let i = 0; i < p.blobs.count; i++) {
      const b = packBlob(p.blobs, i);
      // a copy that failed verification while the trees were walked is never the one kept (the
      // walk read another copy, or it would have refused above)
      const isUsed = used.has(b.type, b.id) && !kept.has(b.type, b.id) && onDisk.has(p.id) && !repo.copyFailed(p.id, b.offset);
      if (isUsed) kept.add(b.type, b.id, p.id, 0, 0, 0);
      else if (used.has(b.type, b.id)) stats.duplicateBlobs++;
      p.used[i] = isUsed ? 1 : 0;
      if (isUsed) {
        p.usedBytes += b.length;
        stats.usedBlobs++;
        stats.usedBytes += b.length;
      } else {
        p.unusedBytes += b.length;
        stats.unusedBlobs++;
        stats.unusedBytes += b.length;
      }
    }
  }
  for (const [type, id] of usedKeys(used)) {
    if (!kept.has(type, id)) throw missingBlobError(type, id, packs, onDisk);
  }

  // decide
  const toDelete: Id[] = [];
  const toRepack: PackState[] = [];
  const partly: PackState[] = [];
  const keptPacks: PackState[] = [];
  for (const p of packs.values()) {
    if (!onDisk.has(p.id)) continue;
    if (p.usedBytes === 0) toDelete.push(p.id);
    else if (p.mixed || (options.repackUncompressed && repo.version >= 2 && p.uncompressed)) toRepack.push(p);
    else if (p.unusedBytes > 0) partly.push(p);
    else keptPacks.push(p);
  }
  let unusedLeft = partly.reduce((a, p) => a + p.unusedBytes, 0);
  const allowed = (options.maxUnused ?? 0.05) * stats.usedBytes;
  let repackBytes = toRepack.reduce((a, p) => a + p.usedBytes, 0);
  partly.sort((a, b) => b.unusedBytes / b.size - a.unusedBytes / a.size);
  for (const p of partly) {
    const fits = options.maxRepackBytes === undefined || repackBytes + p.usedBytes <= options.maxRepackBytes;
    if (unusedLeft > allowed && fits) {
      toRepack.push(p);
      repackBytes += p.usedBytes;
      unusedLeft -= p.unusedBytes;
    } else {
      keptPacks.push(p);
    }
  }
  const unindexed = [...onDisk.keys()].filter((id) => !packs.has(id));
  stats.packsKept = keptPacks.length;
  stats.packsToRepack = toRepack.length;
  stats.packsToDelete = toDelete.length;
  stats.unindexedPacks = unindexed.length;
  stats.bytesToRepack = repackBytes;
  stats.bytesFreed =
    toDelete.reduce((a, id) => a + (onDisk.get(id) ?? 0), 0) + toRepack.reduce((a, p) => a + p.unusedBytes, 0) + unindexed.reduce((a, id) => a + (onDisk.get(id) ?? 0), 0);
  if (options.dryRun) return stats;

  // 1. repack
  const newIndex: CompactPack[] = keptPacks.map((p) => p.blobs);
  const builders = {
    data: new PackBuilder(repo.key, Buffer.allocUnsafe(PACK_BUFFER_SIZE), repo.version >= 2 ? 3 : 0),
    tree: new PackBuilder(repo.key, Buffer.allocUnsafe(PACK_BUFFER_SIZE), repo.version >= 2 ? 3 : 0),
  };
  const flush = async (b: PackBuilder): Promise<void> => {
    if (b.blobCount === 0) return;
    const pack = b.finish();
    await repo.savePackFile(pack, signal);
    newIndex.push(compactPack({ id: pack.id, blobs: pack.blobs }));
    stats.newPacks++;
    b.reset();
  };
  const written = new MasterIndex();
  for (const [i, p] of toRepack.entries()) {
    options.onProgress?.({ phase: 'repack', done: i, total: toRepack.length });
    const bytes = await repo.loadPackRange(p.id, 0, 0, signal);
    for (let k = 0; k < p.blobs.count; k++) {
      if (!p.used[k]) continue;
      const b = packBlob(p.blobs, k);
      if (written.has(b.type, b.id)) continue;
      written.add(b.type, b.id, b.id, 0, 0, 0);
      const sealed = bytes.subarray(b.offset, b.offset + b.length);
      const builder = builders[b.type];
      if (options.repackUncompressed && repo.version >= 2 && b.uncompressedLength === 0) {
        const plain = repo.decryptBlob({ type: b.type, id: b.id, packId: p.id, uncompressedLength: 0 }, sealed);
        if (!builder.fits(plain.length)) await flush(builder);
        builder.addBlob(b.type, b.id, plain);
      } else {
        repo.decryptBlob({ type: b.type, id: b.id, packId: p.id, uncompressedLength: b.uncompressedLength }, sealed); // verify before copying
        if (builder.addSealedBlob(b.type, b.id, sealed, b.uncompressedLength) < 0) {
          await flush(builder);
          builder.addSealedBlob(b.type, b.id, sealed, b.uncompressedLength);
        }
      }
      if (builder.full) await flush(builder);
    }
  }
  await flush(builders.data);
  await flush(builders.tree);
  options.onStep?.('packs-written');

  // 2. new index, 3. old index files gone, 4. packs gone
  // index files of at most INDEX_MAX_BLOBS entries, expanded to objects one file at a time
  const newIndexIds = new Set<Id>();
  let batch: CompactPack[] = [];
  let count = 0;
  const writeBatch = async (): Promise<void> => {
    if (batch.length) newIndexIds.add(await repo.saveIndexFile(batch.map(expandPack), signal));
    batch = [];
    count = 0;
  };
  for (const p of newIndex) {
    if (count + p.count > INDEX_MAX_BLOBS) await writeBatch();
    batch.push(p);
    count += p.count;
  }
  await writeBatch();
  options.onStep?.('index-written');
  for (const id of indexFiles) if (!newIndexIds.has(id)) await repo.removeFile('index', id, signal);
  options.onStep?.('old-index-deleted');
  for (const id of [...toDelete, ...toRepack.map((p) => p.id), ...unindexed]) await repo.removeFile('data', id, signal);
  return stats;
}

function* usedKeys(used: MasterIndex): Generator<[BlobType, Id]> {
  for (const b of used.blobs()) yield [b.type, b.id];
}
