/**
 * The archiver's file readers: native file lanes (native/lane.c), each on a thread of its own.
 * This side hands each lane batches of files (many small ones, or one large one), answers which
 * of the chunks it reports are new (the index lives here), hands finished files to the archiver
 * and uploads the packs the lanes finished (temporary files) through the writer.
 *
 *   lane:  read, cut, hash → report(IDs) ─┐            ┌→ store the new chunks → report(packs)
 *   here:                                 └→ answer ───┘   files → archiver, packs → upload
 *
 * A lane goes on reading while up to two of its generations of chunks wait for their answer, so
 * the main thread's other work (the walk, trees, GC) does not leave it idle.
 *
 * Bounds: the walk waits above MAX_PENDING_FILES files handed in and not finished; a lane is fed
 * at most QUEUED_BATCHES batches ahead; it waits to store while `packsInFlight` of its packs are
 * not uploaded.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { type Id, LifeboatError } from '../../core/index.js';
import { type Lane, type LaneReport, createLane, laneAnswer, laneClose, laneErrorMessage, laneFeed, laneFinish, lanePackDone } from '../../native/index.js';
import { parsePolynomial } from '../../repository/chunker/index.js';
import { PACK_BUFFER_SIZE, TARGET_PACK_SIZE } from '../../repository/pack/index.js';
import type { BlobPackSink } from './ports.js';

const BATCH_FILES = 128;
const BATCH_BYTES = 8 * 1024 * 1024;
/** Batches a lane holds (the one it reads and those after it). */
const QUEUED_BATCHES = 2;
/** Files handed in and not finished before `whenAvailable` makes the walker wait. */
const MAX_PENDING_FILES = 2048;

/**
 * Lanes by default at most: each holds up to ≈ 18 MiB resident while it works (staging, scratch,
 * write buffer), and the main thread answers them all. Until the lanes were threads of their own
 * they took libuv's pool threads, which bounded them to three by default.
 */
const MAX_DEFAULT_LANES = 4;

/**
 * One lane per core, at most MAX_DEFAULT_LANES (each a thread of its own; the walk's listings and
 * the uploads use libuv's thread pool).
 */
export function defaultLaneCount(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_DEFAULT_LANES));
}

export interface FileResult {
  /** Concatenated 32-byte blob IDs of the file's content, in order. */
  content: Uint8Array;
  /** Bytes read. */
  size: number;
  /** The file changed while it was read (size or mtime differ before/after). */
  changed: boolean;
  error?: { message: string; code?: string };
}

export interface FileLanesOptions {
  key: { encrypt: Uint8Array; macK: Uint8Array; macR: Uint8Array };
  /** The repository's chunker polynomial (hex). */
  polynomial: string;
  /** zstd level, 0 = no compression. */
  level: number;
  /** Finished packs a lane may have waiting for upload before it waits. */
  packsInFlight: number;
}

interface Job {
  path: Buffer;
  size: number;
  resolve: (r: FileResult) => void;
  /** The content IDs reported so far. */
  ids?: Buffer[];
}

interface LaneState {
  lane: Lane;
  /** Files fed and not finished, by the lane's number of the file − `first`. */
  jobs: (Job | undefined)[];
  first: number;
  /** Batches fed and not read to their end. */
  queued: number;
  finishing: boolean;
  /** Settles once the lane reported its end (or the pool failed). */
  done: Promise<void>;
  settle: () => void;
}

const failedResult = (message: string): FileResult => ({ content: new Uint8Array(0), size: 0, changed: false, error: { message } });
const NUL = Buffer.alloc(1);

export class FileLanes {
  private queue: Job[] = [];
  private queueHead = 0;
  /** Bytes (sizes the walk saw) of the files queued here and not fed. */
  private queuedBytes = 0;
  private pendingFiles = 0;
  private walkWaiters: (() => void)[] = [];
  private feedScheduled = false;
  private closing = false;
  private fatal: Error | undefined;
  private readonly lanes: LaneState[] = [];
  /** Where the lanes build packs (anonymous files): the repository's own data directory when it can link them into place. */
  private readonly packDir: string;

  constructor(
    private readonly sink: BlobPackSink,
    options: FileLanesOptions,
    count: number,
  ) {
    this.packDir = sink.packFileDir ?? tmpdir();
    const polynomial = parsePolynomial(options.polynomial);
    try {
      for (let i = 0; i < count; i++) {
        let settle!: () => void;
        const done = new Promise<void>((resolve) => (settle = resolve));
        // its lane is set next; reports arrive through the event loop, later
        const state = { jobs: [], first: 0, queued: 0, finishing: false, done, settle } as Omit<LaneState, 'lane'> as LaneState;
        state.lane = createLane(
          { key: options.key, polynomial, level: options.level, tmpdir: this.packDir, packTarget: TARGET_PACK_SIZE, packLimit: PACK_BUFFER_SIZE, packsInFlight: options.packsInFlight },
          (report) => this.onReport(state, report),
        );
        this.lanes.push(state);
      }
    } catch (err) {
      for (const s of this.lanes) laneClose(s.lane);
      throw err;
    }
  }

  /** More files are accepted now (bounds how far the walk runs ahead; see whenAvailable). */
  hasRoom(): boolean {
    return this.pendingFiles < MAX_PENDING_FILES || this.fatal !== undefined;
  }

  /** Resolves when more files are accepted. */
  whenAvailable(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.walkWaiters.push(resolve));
  }

  /** Reads, chunks and stores a file; resolves with its content IDs (or its error). */
  readFile(path: Buffer, size: number): Promise<FileResult> {
    if (this.fatal) return Promise.reject(this.fatal);
    this.pendingFiles++;
    this.queuedBytes += size;
    return new Promise((resolve) => {
      this.queue.push({ path, size, resolve });
      // lanes are fed once the walk has had its turn (so that they find fuller batches)
      if (!this.feedScheduled) {
        this.feedScheduled = true;
        setImmediate(() => {
          this.feedScheduled = false;
          this.feed();
        });
      }
    });
  }

  /** Finishes what the lanes hold (last packs included), then frees them. */
  async close(): Promise<void> {
    this.closing = true;
    this.feed();
    await Promise.all(this.lanes.map((s) => s.done));
    for (const s of this.lanes) laneClose(s.lane);
    if (this.fatal) throw this.fatal;
  }

  /**
   * Hands out the queued files: first a batch to each lane with none, then full batches to lanes
   * with room (any batch once closing); lanes are told to finish once nothing is left.
   */
  private feed(): void {
    for (const limit of [1, QUEUED_BATCHES]) {
      for (const s of this.lanes) {
        while (!this.fatal && !s.finishing && s.queued < limit && this.queueHead < this.queue.length) {
          const full = this.queue.length - this.queueHead >= BATCH_FILES || this.queuedBytes >= BATCH_BYTES;
          if (s.queued > 0 && !full && !this.closing) break;
          this.feedLane(s);
        }
      }
    }
    if (!this.closing || this.fatal || this.queueHead < this.queue.length) return;
    for (const s of this.lanes) {
      if (s.finishing) continue;
      s.finishing = true;
      laneFinish(s.lane);
    }
  }

  /** Gives a lane the next batch: up to BATCH_FILES files or BATCH_BYTES. */
  private feedLane(s: LaneState): void {
    const jobs: Job[] = [];
    let bytes = 0;
    while (this.queueHead < this.queue.length && jobs.length < BATCH_FILES && bytes < BATCH_BYTES) {
      const job = this.queue[this.queueHead++]!;
      jobs.push(job);
      bytes += job.size;
    }
    this.queuedBytes -= bytes;
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    laneFeed(
      s.lane,
      Buffer.concat(jobs.flatMap((j) => [j.path, NUL])),
      Float64Array.from(jobs, (j) => j.size),
    );
    for (const job of jobs) s.jobs.push(job);
    s.queued++;
  }

  private settleJob(job: Job, result: FileResult): void {
    this.pendingFiles--;
    if (this.pendingFiles < MAX_PENDING_FILES / 2 && this.walkWaiters.length > 0) for (const w of this.walkWaiters.splice(0)) w();
    job.resolve(result);
  }

  /** Answers a lane's generation, finishes its files, uploads its packs. */
  private onReport(s: LaneState, r: LaneReport): void {
    if (r.error) {
      this.fail(
        new LifeboatError('E_IO', `reading files for the backup failed: ${r.error.message}`, {
          hint: `new packs are built in temporary files in ${this.packDir}${this.sink.packFileDir ? '' : ' (set TMPDIR to change it)'}: it must exist, be writable and have room for a few 17 MiB packs per core`,
          cause: r.error,
        }),
      );
      return;
    }
    const n = r.chunkFiles.length;
    if (n > 0) {
      const isNew = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const id = r.ids.subarray(i * 32, i * 32 + 32);
        if (this.sink.reserveKey('data', id)) isNew[i] = 1;
        const job = s.jobs[r.chunkFiles[i]! - s.first]!;
        (job.ids ??= []).push(id);
      }
      if (!this.fatal) laneAnswer(s.lane, isNew);
    }
    for (const f of r.files) {
      const job = s.jobs[f.file - s.first]!;
      s.jobs[f.file - s.first] = undefined;
      if (f.errno !== undefined) {
        this.settleJob(job, { content: new Uint8Array(0), size: f.size, changed: false, error: laneErrorMessage(f.errno, f.syscall ?? 'read', job.path.toString()) });
      } else {
        const ids = job.ids ?? [];
        this.settleJob(job, { content: ids.length === 1 ? ids[0]! : Buffer.concat(ids), size: f.size, changed: f.changed });
      }
    }
    let finished = 0;
    while (finished < s.jobs.length && s.jobs[finished] === undefined) finished++;
    if (finished > 0) {
      s.jobs.splice(0, finished);
      s.first += finished;
    }
    for (const p of r.packs) {
      const upload = this.sink.savePackFile({ id: p.id.toString('hex') as Id, fd: p.fd, length: p.length, header: p.header, blobCount: p.blobCount });
      void this.sink.track(upload.finally(() => lanePackDone(s.lane)));
    }
    if (r.finished) s.settle();
    if (r.batchesDone > 0) {
      s.queued -= r.batchesDone;
      this.feed();
    }
  }

  private fail(err: Error): void {
    if (this.fatal) return;
    this.fatal = err;
    for (const w of this.walkWaiters.splice(0)) w();
    while (this.queueHead < this.queue.length) this.settleJob(this.queue[this.queueHead++]!, failedResult(err.message));
    for (const s of this.lanes) {
      laneClose(s.lane);
      for (const job of s.jobs.splice(0)) if (job) this.settleJob(job, failedResult(err.message));
      s.settle();
    }
  }
}
