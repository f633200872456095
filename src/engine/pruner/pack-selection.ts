/**
 * Which packs a prune deletes, repacks or keeps: restic's rules (its prune's pack decision, 0.14
 * and later), so that both tools leave a repository in the same state and a user's
 * `--max-unused` means the same in both.
 *
 *   no used blob                     → deleted
 *   --repack-cacheable-only, data    → kept
 *   all used, one type, nothing to compress:
 *     at least the small-pack size   → kept
 *     smaller                        → a candidate when there are 10 or more such packs, else kept
 *   anything else                    → a candidate
 *
 * Candidates are taken in order: tree and mixed packs first, then packs below the small-pack size,
 * then the most unused bytes per used byte. A candidate is repacked unless the repacked bytes would
 * reach --max-repack-size; a data pack (not to be compressed) of the small-pack size or more is
 * kept instead once the unused bytes left are below the --max-unused limit.
 *
 * "To compress" (repository version 2): a tree pack holding an uncompressed blob (restic stores
 * every tree compressed there), or any pack holding one with --repack-uncompressed.
 */
import type { Id } from '../../core/index.js';
import type { CompactPack } from '../../repository/index/index.js';
import { TARGET_PACK_SIZE } from '../../repository/pack/index.js';

/** A pack as the plan sees it. */
export interface PrunePack {
  id: Id;
  /** Its size in data/ (0 when it is missing there). */
  size: number;
  blobs: CompactPack;
  /** 1 where the blob at that position is the copy that stays. */
  used: Uint8Array;
  usedBytes: number;
  unusedBytes: number;
  /** The blob types it holds. */
  kind: 'data' | 'tree' | 'mixed';
  /** It holds a blob stored uncompressed. */
  uncompressed: boolean;
}

/** restic's --max-unused: unused bytes tolerated after the prune. */
export type MaxUnused = { unlimited: true } | { percent: number } | { bytes: number };

/** The default, restic's 5 %. */
export const DEFAULT_MAX_UNUSED: MaxUnused = { percent: 5 };

/**
 * The unused bytes `limit` tolerates beside `usedBytes`: a percentage is of the repository after
 * the prune (used and unused bytes), as in restic (5 % allows 5/95 of the used bytes).
 */
export function maxUnusedBytes(limit: MaxUnused, usedBytes: number): number {
  if ('unlimited' in limit) return Number.POSITIVE_INFINITY;
  if ('bytes' in limit) return limit.bytes;
  return Math.floor((limit.percent / (100 - limit.percent)) * usedBytes);
}

export interface PackSelectionOptions {
  maxUnused?: MaxUnused;
  /** Repack at most this many bytes (whole packs counted); unset: no limit. */
  maxRepackBytes?: number;
  /** Repository version 2: repack (and compress) packs holding uncompressed data blobs too. */
  repackUncompressed?: boolean;
  /** Packs below 80 % of the target pack size count as small (else below 4 %). */
  repackSmall?: boolean;
  /** Repack tree packs only. */
  repackCacheableOnly?: boolean;
}

export interface PackSelection {
  keptPacks: PrunePack[];
  toRepack: PrunePack[];
  toDelete: PrunePack[];
  /** Bytes of the packs to repack (whole packs). */
  bytesToRepack: number;
}

/** Fewer small packs than this are left alone (restic: not worth it, and no endless repacking of the last one). */
const MIN_SMALL_PACKS = 10;

/** Decides every pack of `packs` that is in data/; `unusedBytes`: the unused bytes of all of them. */
export function selectPacks(packs: Iterable<PrunePack>, usedBytes: number, unusedBytes: number, version: number, options: PackSelectionOptions): PackSelection {
  const smallBelow = options.repackSmall ? (TARGET_PACK_SIZE / 5) * 4 : TARGET_PACK_SIZE / 25;
  const toCompress = (p: PrunePack): boolean => version >= 2 && p.uncompressed && (p.kind === 'tree' || (options.repackUncompressed ?? false));
  const selection: PackSelection = { keptPacks: [], toRepack: [], toDelete: [], bytesToRepack: 0 };
  const candidates: PrunePack[] = [];
  const small: PrunePack[] = [];
  let unusedLeft = unusedBytes;
  for (const p of packs) {
    if (p.usedBytes === 0) {
      selection.toDelete.push(p);
      unusedLeft -= p.unusedBytes;
    } else if (options.repackCacheableOnly && p.kind === 'data') {
      selection.keptPacks.push(p);
    } else if (p.unusedBytes === 0 && p.kind !== 'mixed' && !toCompress(p)) {
      (p.size >= smallBelow ? selection.keptPacks : small).push(p);
    } else {
      candidates.push(p);
    }
  }
  if (small.length < MIN_SMALL_PACKS) selection.keptPacks.push(...small);
  else candidates.push(...small);

  // used bytes with the header, as restic weighs a pack: its size less its unused blobs
  const usedOf = (p: PrunePack): number => Math.max(p.size - p.unusedBytes, 1);
  candidates.sort((a, b) => {
    if ((a.kind === 'data') !== (b.kind === 'data')) return a.kind === 'data' ? 1 : -1;
    if (a.size < smallBelow !== b.size < smallBelow) return a.size < smallBelow ? -1 : 1;
    return b.unusedBytes * usedOf(a) - a.unusedBytes * usedOf(b);
  });
  const allowed = maxUnusedBytes(options.maxUnused ?? DEFAULT_MAX_UNUSED, usedBytes);
  for (const p of candidates) {
    const reachedRepackSize = options.maxRepackBytes !== undefined && selection.bytesToRepack + p.size >= options.maxRepackBytes;
    const repack = !reachedRepackSize && (p.kind !== 'data' || toCompress(p) || unusedLeft >= allowed || p.size < smallBelow);
    if (!repack) {
      selection.keptPacks.push(p);
      continue;
    }
    selection.toRepack.push(p);
    selection.bytesToRepack += p.size;
    unusedLeft -= p.unusedBytes;
  }
  return selection;
}
