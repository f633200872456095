/**
 * The reading half of prune: decides, writes nothing.
 *
 *   walk every snapshot's trees → set of used blobs (a BlobSet sized by the index: 33 bytes a
 *   slot, no object or string per blob);
 *   per pack (from the master index, grouped by pack): used and unused blobs; of a blob's copies
 *   the first met in a pack that exists (and did not fail verification) is the one kept, the
 *   others are duplicates (unused);
 *   which packs are deleted, repacked or kept: restic's rules (pack-selection.ts); packs in no
 *   index are deleted.
 */
import { type Id, IntegrityError, errorMessage } from '../../core/index.js';
import { BlobSet, type PackBlobs, packBlob } from '../../repository/index/index.js';
import type { CryptoKey } from '../../repository/crypto/index.js';
import type { IndexPack, Snapshot, TreeReferences } from '../../repository/model/index.js';
import type { BlobScratch, PackFile } from '../../repository/pack/index.js';
import type { BlobIndex, BlobType } from '../../repository/ports.js';
import { type PackSelectionOptions, type PrunePack, selectPacks } from './pack-selection.js';

export type { MaxUnused, PrunePack } from './pack-selection.js';

export interface PruneRepository {
  readonly index: BlobIndex;
  readonly key: CryptoKey;
  readonly version: number;
  listFiles(type: 'index' | 'data' | 'snapshots', signal?: AbortSignal): AsyncIterable<{ id: Id; size: number }>;
  /** The master index's blobs grouped by pack (the index is loaded before a prune is planned). */
  packBlobs(): PackBlobs;
  loadSnapshot(id: Id, signal?: AbortSignal): Promise<Snapshot>;
  loadTreeReferences(id: Id, signal?: AbortSignal): Promise<TreeReferences>;
  /** True when this copy of a blob failed verification while it was loaded in this run. */
  copyFailed(packId: Id, offset: number): boolean;
  loadPackRange(packId: Id, offset: number, length: number, signal?: AbortSignal): Promise<Buffer>;
  /** loadPackRange into the caller's buffer (repack reuses one from span to span). */
  loadPackRangeInto(packId: Id, offset: number, target: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** With `scratch`, the plaintext is a view into it, valid until its next use. */
  decryptBlob(loc: { type: BlobType; id: Id; packId: Id; uncompressedLength: number }, bytes: Uint8Array, scratch?: BlobScratch): Buffer;
  /** Where new packs are best built so that savePackFile links rather than copies them (Backend.packFileDir). */
  readonly packFileDir?: string;
  /** Uploads a pack from its temporary file and closes its descriptor (also on failure). */
  savePackFile(pack: Pick<PackFile, 'id' | 'fd' | 'length'>, signal?: AbortSignal): Promise<void>;
  saveIndexFile(packs: Iterable<IndexPack>, signal?: AbortSignal): Promise<Id>;
  removeFile(type: 'index' | 'data', id: Id, signal?: AbortSignal): Promise<void>;
}

export interface PrunePlanOptions extends PackSelectionOptions {
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
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

/** What a prune will do; `executePrune` carries it out. */
export interface PrunePlan {
  readonly stats: PruneStats;
  /** The index files read: all are replaced (unless `indexCurrent`). */
  readonly indexFiles: readonly Id[];
  /** Packs that stay as they are (their entries go into the new index files). */
  readonly keptPacks: readonly PrunePack[];
  /** Packs whose used blobs are copied into new packs before they are deleted. */
  readonly toRepack: readonly PrunePack[];
  /** Packs with no used blob. */
  readonly toDelete: readonly Id[];
  /** Packs in data/ that no index names. */
  readonly unindexed: readonly Id[];
  /** Uncompressed blobs of repacked packs are stored compressed (repository version 2, as restic does). */
  readonly compressUncompressed: boolean;
  /**
   * Nothing is deleted or repacked and every pack the index files name stays: new index files
   * would list what they list, so they are left as they are (restic's prune leaves them too).
   */
  readonly indexCurrent: boolean;
}

/** A plan as plain data (for --dry-run output and logs): the figures and the packs it names. */
export function describePrunePlan(plan: PrunePlan): PruneStats & { repack: Id[]; delete: Id[]; unindexed: Id[] } {
  return { ...plan.stats, repack: plan.toRepack.map((p) => p.id), delete: [...plan.toDelete], unindexed: [...plan.unindexed] };
}

/**
 * Why a used blob has no copy to keep: its index entries name packs that are gone, or no index
 * names it at all (then a pack nobody indexed may hold it: `repair index` reads pack headers).
 */
function missingBlobError(type: BlobType, id: Id, packs: Map<Id, PrunePack>, onDisk: Map<Id, number>): IntegrityError {
  const indexedIn: Id[] = [];
  for (const p of packs.values()) {
    for (let i = 0; i < p.blobs.count; i++) {
      const b = packBlob(p.blobs, i);
      if (b.type === type && b.id === id) indexedIn.push(p.id);
    }
  }
  if (indexedIn.length > 0) {
    return new IntegrityError(
      `${type} blob ${id} is used by a snapshot but in no existing pack (the index names ${indexedIn.join(', ')}, which ${indexedIn.length === 1 ? 'is' : 'are'} missing): refusing to prune`,
      {
        hint: 'run `lifeboat check`; restore the missing pack, or `lifeboat repair index` and back up the files again',
      },
    );
  }
  let unindexed = 0;
  for (const packId of onDisk.keys()) if (!packs.has(packId)) unindexed++;
  const where = unindexed > 0 ? ` (${unindexed} pack${unindexed === 1 ? ' is' : 's are'} in no index either and may hold it)` : '';
  return new IntegrityError(`${type} blob ${id} is used by a snapshot but in no index${where}: refusing to prune`, {
    hint: 'run `lifeboat repair index` (it indexes every pack from its header), then prune again',
  });
}

/** Every blob reachable from a snapshot; `indexed`: the blobs the index lists (the set's size). */
async function usedBlobs(repo: PruneRepository, indexed: number, options: PrunePlanOptions): Promise<BlobSet> {
  const signal = options.signal;
  const used = new BlobSet(indexed);
  const visit = async (tree: Id): Promise<void> => {
    if (!used.add('tree', tree)) return;
    let refs: TreeReferences;
    try {
      refs = await repo.loadTreeReferences(tree, signal);
    } catch (err) {
      throw new IntegrityError(`tree ${tree} cannot be loaded (${errorMessage(err)}): refusing to prune`, { hint: 'run `lifeboat check` and repair the repository first' });
    }
    for (const id of refs.content) used.add('data', id);
    for (const subtree of refs.subtrees) await visit(subtree);
  };
  const snapshots: Id[] = [];
  for await (const f of repo.listFiles('snapshots', signal)) snapshots.push(f.id);
  for (const [i, id] of snapshots.entries()) {
    options.onProgress?.({ phase: 'snapshots', done: i, total: snapshots.length });
    await visit((await repo.loadSnapshot(id, signal)).tree);
  }
  return used;
}

/** Reads the repository and decides what a prune deletes and repacks. Writes nothing. */
export async function planPrune(repo: PruneRepository, options: PrunePlanOptions = {}): Promise<PrunePlan> {
  const signal = options.signal;

  // packs, as the master index has them (loaded before; a pack several index files list holds
  // what they list together): a pack's blobs become columns here, with no object per blob
  const indexFiles: Id[] = [];
  for await (const f of repo.listFiles('index', signal)) indexFiles.push(f.id);
  const byPack = repo.packBlobs();
  const packs = new Map<Id, PrunePack>();
  for (let n = 0; n < byPack.packCount; n++) {
    const blobs = byPack.compact(n);
    if (blobs.count === 0) continue;
    const trees = blobs.types.reduce((a, t) => a + t, 0);
    packs.set(blobs.id, {
      id: blobs.id,
      size: 0,
      blobs,
      used: new Uint8Array(blobs.count),
      usedBytes: 0,
      unusedBytes: 0,
      kind: trees === 0 ? 'data' : trees === blobs.count ? 'tree' : 'mixed',
      uncompressed: blobs.uncompressedLengths.includes(0),
    });
  }
  const onDisk = new Map<Id, number>();
  for await (const f of repo.listFiles('data', signal)) onDisk.set(f.id, f.size);
  let indexed = 0;
  for (const p of packs.values()) indexed += p.blobs.count;
  const used = await usedBlobs(repo, indexed, options);

  const stats: PruneStats = {
    usedBlobs: 0,
    usedBytes: 0,
    unusedBlobs: 0,
    unusedBytes: 0,
    duplicateBlobs: 0,
    packsKept: 0,
    packsToRepack: 0,
    packsToDelete: 0,
    unindexedPacks: 0,
    bytesToRepack: 0,
    bytesFreed: 0,
    newPacks: 0,
  };
  // the copy kept of a used blob is marked in `used`
  for (const p of packs.values()) {
    p.size = onDisk.get(p.id) ?? 0;
    const { ids, types, offsets, lengths } = p.blobs;
    for (let i = 0; i < p.blobs.count; i++) {
      const type = types[i] === 1 ? 'tree' : 'data';
      const key = ids.subarray(i * 32, i * 32 + 32);
      const length = lengths[i]!;
      // a copy that failed verification while the trees were walked is never the one kept (the
      // walk read another copy, or it would have refused above)
      const isUsed = onDisk.has(p.id) && !repo.copyFailed(p.id, offsets[i]!) && used.markKey(type, key);
      if (!isUsed && used.hasKey(type, key)) stats.duplicateBlobs++;
      p.used[i] = isUsed ? 1 : 0;
      if (isUsed) {
        p.usedBytes += length;
        stats.usedBlobs++;
        stats.usedBytes += length;
      } else {
        p.unusedBytes += length;
        stats.unusedBlobs++;
        stats.unusedBytes += length;
      }
    }
  }
  for (const b of used.unmarked()) throw missingBlobError(b.type, b.id, packs, onDisk);

  const selection = selectPacks(
    [...packs.values()].filter((p) => onDisk.has(p.id)),
    stats.usedBytes,
    stats.unusedBytes,
    repo.version,
    options,
  );
  const { keptPacks, toRepack } = selection;
  const toDelete = selection.toDelete.map((p) => p.id);
  const unindexed = [...onDisk.keys()].filter((id) => !packs.has(id));
  stats.packsKept = keptPacks.length;
  stats.packsToRepack = toRepack.length;
  stats.packsToDelete = toDelete.length;
  stats.unindexedPacks = unindexed.length;
  stats.bytesToRepack = selection.bytesToRepack;
  stats.bytesFreed = toDelete.reduce((a, id) => a + (onDisk.get(id) ?? 0), 0) + toRepack.reduce((a, p) => a + p.unusedBytes, 0) + unindexed.reduce((a, id) => a + (onDisk.get(id) ?? 0), 0);
  const compressUncompressed = repo.version >= 2;
  const indexCurrent = toDelete.length === 0 && toRepack.length === 0 && unindexed.length === 0 && keptPacks.length === packs.size;
  return { stats, indexFiles, keptPacks, toRepack, toDelete, unindexed, compressUncompressed, indexCurrent };
}
