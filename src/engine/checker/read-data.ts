/**
 * check --read-data's pack pipeline: each selected pack is read and verified (its hash, its header
 * against the index, every blob). With the native addon, memory is bounded by the lanes, not by
 * the repository or its pack size: a lane reads one pack at a time piece by piece (about 4 MiB,
 * more when a blob is larger; from a local file 1 MiB, a larger blob a step of 1 MiB at a time)
 * into its own buffers, reused from pack to pack, and verifies each
 * piece's blobs on libuv's thread pool (verifyPackInPieces): no V8 isolate per core, no copy of a
 * pack. One lane per core: a piece's read from the page cache takes about a millisecond against
 * tens for its verification (its hash included), and a third lane only held 4–12 MiB more buffers
 * (6 paired runs on /usr/share's repositories: peak RSS 99–111 MiB against 108–120 with three, the
 * same CPU time).
 * From a local repository (PackSource.packFilePath) the addon reads a pack's pieces itself, the
 * whole pack in one request: a lane then needs the main thread once per pack rather than four
 * times per piece, while the main thread is busy with the tree walk (/usr/share's repository:
 * wall −9.5 %, peak RSS −10 MiB, 10 paired runs).
 * A pack found damaged is read again whole and named by verifyPack. Without the addon, whole
 * packs are read into fresh buffers and transferred to worker threads (VerifyPool).
 */
import { availableParallelism } from 'node:os';
import { type Id, errorMessage, forEachConcurrent } from '../../core/index.js';
import type { CompactPack } from '../../repository/index/index.js';
import { type PackProblem, type PieceBuffers, newBlobScratch, verifyPack, verifyPackInPieces, verifyPackInPiecesAvailable } from '../../repository/pack/index.js';
import type { CryptoKey } from '../../repository/crypto/index.js';
import { VerifyPool } from './verify-pool.js';

/** What the pipeline needs from the repository (CheckerRepository has it). */
export interface PackSource {
  readonly key: CryptoKey;
  readonly version: number;
  loadPackRange(packId: Id, offset: number, length: number, signal?: AbortSignal): Promise<Buffer>;
  loadPackRangeInto(packId: Id, offset: number, target: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** The local file a pack is in, read by the native lanes themselves (undefined: through loadPackRangeInto). */
  packFilePath?(packId: Id): string | undefined;
}

export interface PackToRead {
  id: Id;
  /** The pack file's size in the repository. */
  size: number;
  /** What the index says it holds (built when the pack is read: one pack's entries in memory per lane). */
  blobs: () => CompactPack;
}

export interface ReadDataCallbacks {
  /** A pack that could not be read (`problem` undefined) or a problem found in it. */
  onProblem: (packId: Id, problem: PackProblem | { kind: 'pack-unreadable'; message: string }) => void;
  /** After each pack read and verified. */
  onPackDone: () => void;
}

/** A failed read of a piece of a pack (`cause`), told apart from a failure of the verification. */
class PieceReadError extends Error {}

/** Verifying threads (the CPU work), one lane each. */
function verifyThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

/** `pieceBytes`: the size of the pieces packs are read in (PACK_PIECE_BYTES; tests use small ones). */
export async function readAndVerifyPacks(repo: PackSource, packs: readonly PackToRead[], cb: ReadDataCallbacks, signal?: AbortSignal, pieceBytes?: number): Promise<void> {
  if (!verifyPackInPiecesAvailable()) return readWithWorkers(repo, packs, cb, signal);
  const free: PieceBuffers[] = Array.from({ length: verifyThreads() }, () => ({ piece: Buffer.alloc(0), plain: Buffer.alloc(0) }));
  const unreadable = (id: Id, err: unknown): void => cb.onProblem(id, { kind: 'pack-unreadable', message: `pack ${id} cannot be read: ${errorMessage(err)}` });
  await forEachConcurrent(
    packs,
    free.length,
    async (p) => {
      const lane = free.pop()!;
      const blobs = p.blobs();
      try {
        let r: { sound: boolean; problems: PackProblem[] };
        try {
          r = await verifyPackInPieces(
            repo.key,
            repo.version,
            p.id,
            p.size,
            blobs,
            lane,
            (offset, target) =>
              repo.loadPackRangeInto(p.id, offset, target, signal).catch((err: unknown) => {
                throw new PieceReadError('read failed', { cause: err });
              }),
            pieceBytes,
            repo.packFilePath?.(p.id),
          );
        } catch (err) {
          if (!(err instanceof PieceReadError)) throw err;
          unreadable(p.id, err.cause);
          return;
        }
        let problems = r.problems;
        if (!r.sound) {
          // damage: verifyPack names it from the whole pack, read again (its blobs were decrypted in place)
          let whole: Buffer;
          try {
            whole = await repo.loadPackRange(p.id, 0, 0, signal);
          } catch (err) {
            unreadable(p.id, err);
            return;
          }
          problems = verifyPack(repo.key, repo.version, p.id, whole, blobs, newBlobScratch());
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
        for (const problem of await pool.verify(p.id, bytes, p.blobs())) cb.onProblem(p.id, problem);
        cb.onPackDone();
      },
      signal,
    );
  } finally {
    await pool.close();
  }
}
