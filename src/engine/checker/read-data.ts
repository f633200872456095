/**
 * check --read-data's pack pipeline: each selected pack is read whole and verified (its hash, its
 * header against the index, every blob). Memory is bounded by the number of lanes, not by the
 * repository: a lane is a pack buffer and a decompression buffer, reused from pack to pack (grown
 * to the largest pack and blob met), so at most `lanes` packs are in memory at once.
 *
 * With the native addon, a lane reads its pack into its buffer and verifies it on libuv's thread
 * pool (verifyPackInPlace): no V8 isolate per core and no copy of the pack. Without it, packs are
 * read into fresh buffers and transferred to worker threads (VerifyPool).
 */
import { availableParallelism } from 'node:os';
import { type Id, errorMessage, forEachConcurrent } from '../../core/index.js';
import type { CompactPack } from '../../repository/index/index.js';
import { type PackProblem, newBlobScratch, verifyPack, verifyPackInPlace, verifyPackInPlaceAvailable } from '../../repository/pack/index.js';
import type { CryptoKey } from '../../repository/crypto/index.js';
import { VerifyPool } from './verify-pool.js';

/** What the pipeline needs from the repository (CheckerRepository has it). */
export interface PackSource {
  readonly key: CryptoKey;
  readonly version: number;
  loadPackRange(packId: Id, offset: number, length: number, signal?: AbortSignal): Promise<Buffer>;
  loadPackRangeInto(packId: Id, offset: number, target: Uint8Array, signal?: AbortSignal): Promise<void>;
}

export interface PackToRead {
  id: Id;
  /** The pack file's size in the repository. */
  size: number;
  /** What the index says it holds. */
  blobs: CompactPack;
}

export interface ReadDataCallbacks {
  /** A pack that could not be read (`problem` undefined) or a problem found in it. */
  onProblem: (packId: Id, problem: PackProblem | { kind: 'pack-unreadable'; message: string }) => void;
  /** After each pack read and verified. */
  onPackDone: () => void;
}

/** Verifying threads (the CPU work); one lane more keeps a read in progress while they work. */
function verifyThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

interface Lane {
  pack: Buffer;
  plain: Buffer;
}

export async function readAndVerifyPacks(repo: PackSource, packs: readonly PackToRead[], cb: ReadDataCallbacks, signal?: AbortSignal): Promise<void> {
  if (!verifyPackInPlaceAvailable()) return readWithWorkers(repo, packs, cb, signal);
  const free: Lane[] = Array.from({ length: verifyThreads() + 1 }, () => ({ pack: Buffer.alloc(0), plain: Buffer.alloc(0) }));
  await forEachConcurrent(
    packs,
    free.length,
    async (p) => {
      const lane = free.pop()!;
      try {
        if (lane.pack.length < p.size) lane.pack = Buffer.allocUnsafe(p.size);
        const bytes = lane.pack.subarray(0, p.size);
        try {
          if (p.size > 0) await repo.loadPackRangeInto(p.id, 0, bytes, signal);
        } catch (err) {
          cb.onProblem(p.id, { kind: 'pack-unreadable', message: `pack ${p.id} cannot be read: ${errorMessage(err)}` });
          return;
        }
        const r = await verifyPackInPlace(repo.key, repo.version, p.id, bytes, p.blobs, lane.plain);
        lane.plain = r.plain;
        let problems = r.problems;
        if (!r.sound) {
          // damage: read the pack again (its blobs were decrypted in place) for verifyPack to name it
          let again: Buffer;
          try {
            again = await repo.loadPackRange(p.id, 0, 0, signal);
          } catch (err) {
            cb.onProblem(p.id, { kind: 'pack-unreadable', message: `pack ${p.id} cannot be read: ${errorMessage(err)}` });
            return;
          }
          problems = verifyPack(repo.key, repo.version, p.id, again, p.blobs, newBlobScratch());
        }
        for (const problem of problems) cb.onProblem(p.id, problem);
        cb.onPackDone();
      } finally {
        free.push(lane);
      }
    },
    signal,
  );
}

/** Without the native addon: whole packs transferred to worker threads. */
async function readWithWorkers(repo: PackSource, packs: readonly PackToRead[], cb: ReadDataCallbacks, signal?: AbortSignal): Promise<void> {
  const threads = verifyThreads();
  const pool = new VerifyPool({ key: repo.key, version: repo.version }, threads);
  try {
    await forEachConcurrent(
      packs,
      threads + 1,
      async (p) => {
        let bytes: Buffer;
        try {
          bytes = await repo.loadPackRange(p.id, 0, 0, signal);
        } catch (err) {
          cb.onProblem(p.id, { kind: 'pack-unreadable', message: `pack ${p.id} cannot be read: ${errorMessage(err)}` });
          return;
        }
        for (const problem of await pool.verify(p.id, bytes, p.blobs)) cb.onProblem(p.id, problem);
        cb.onPackDone();
      },
      signal,
    );
  } finally {
    await pool.close();
  }
}
