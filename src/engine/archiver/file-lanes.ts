/**
 * The archiver's file readers: native file lanes (native/lane.c) on libuv's thread pool. Each
 * lane takes a batch of files (many small ones, or one large one), reads and cuts them; between
 * its steps this side answers which blobs are new (the index lives here), hands finished files to
 * the archiver and uploads the packs the lane finished (temporary files) through the writer.
 *
 *   lane:  step(batch) → chunk IDs ─┐              ┌→ step(decisions) → packs → upload
 *   here:                           └→ reserveKey ─┘   files → archiver
 *
 * Bounds: the walk waits above MAX_PENDING_FILES files handed in and not finished; a lane waits
 * before its next step while `packsInFlight` of its packs are not uploaded.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { type Id, LifeboatError } from '../../core/index.js';
import { type Lane, type LaneStepResult, createLane, laneClose, laneErrorMessage, laneStep } from '../../native/index.js';
import { parsePolynomial } from '../../repository/chunker/index.js';
import { PACK_BUFFER_SIZE, TARGET_PACK_SIZE } from '../../repository/pack/index.js';
import type { BlobPackSink } from './ports.js';

const BATCH_FILES = 128;
const BATCH_BYTES = 8 * 1024 * 1024;
/** Files handed in and not finished before `whenAvailable` makes the walker wait. */
const MAX_PENDING_FILES = 2048;

/**
 * One lane per core, leaving one thread of libuv's pool (4 threads unless UV_THREADPOOL_SIZE
 * says otherwise) to the uploads and other file system calls, which share it.
 */
export function defaultLaneCount(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism(), pool - 1));
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
}

/** A batch a lane is working on, and the content IDs of its files so far. */
interface Batch {
  jobs: Job[];
  contents: Buffer[][];
}

const failedResult = (message: string): FileResult => ({ content: new Uint8Array(0), size: 0, changed: false, error: { message } });

export class FileLanes {
  private queue: Job[] = [];
  private queueHead = 0;
  private pendingFiles = 0;
  private walkWaiters: (() => void)[] = [];
  private laneWaiters: (() => void)[] = [];
  private wakeScheduled = false;
  private closing = false;
  private fatal: Error | undefined;
  private readonly runs: Promise<void>[] = [];
  /** Where the lanes build packs (anonymous files): the repository's own data directory when it can link them into place. */
  private readonly packDir: string;

  constructor(
    private readonly sink: BlobPackSink,
    private readonly options: FileLanesOptions,
    count: number,
  ) {
    this.packDir = sink.packFileDir ?? tmpdir();
    const polynomial = parsePolynomial(options.polynomial);
    for (let i = 0; i < count; i++) {
      const lane = createLane({
        key: options.key,
        polynomial,
        level: options.level,
        tmpdir: this.packDir,
        packTarget: TARGET_PACK_SIZE,
        packLimit: PACK_BUFFER_SIZE,
      });
      this.runs.push(this.run(lane));
    }
  }

  /** Resolves when more files are accepted (bounds how far the walk runs ahead). */
  whenAvailable(): Promise<void> {
    if (this.pendingFiles < MAX_PENDING_FILES || this.fatal) return Promise.resolve();
    return new Promise((resolve) => this.walkWaiters.push(resolve));
  }

  /** Reads, chunks and stores a file; resolves with its content IDs (or its error). */
  readFile(path: Buffer, size: number): Promise<FileResult> {
    if (this.fatal) return Promise.reject(this.fatal);
    this.pendingFiles++;
    return new Promise((resolve) => {
      this.queue.push({
        path,
        size,
        resolve: (r) => {
          this.pendingFiles--;
          if (this.pendingFiles < MAX_PENDING_FILES / 2) for (const w of this.walkWaiters.splice(0)) w();
          resolve(r);
        },
      });
      // a waiting lane starts once the walk has had its turn (so that it finds a fuller batch)
      if (this.laneWaiters.length > 0 && !this.wakeScheduled) {
        this.wakeScheduled = true;
        setImmediate(() => {
          this.wakeScheduled = false;
          this.wakeLanes();
        });
      }
    });
  }

  /** Finishes what the lanes hold (last packs included), then frees them. */
  async close(): Promise<void> {
    this.closing = true;
    this.wakeLanes();
    await Promise.all(this.runs);
    if (this.fatal) throw this.fatal;
  }

  private wakeLanes(): void {
    for (const w of this.laneWaiters.splice(0)) w();
  }

  /** The next batch from the queue, if any: up to BATCH_FILES files or BATCH_BYTES. */
  private takeBatch(): Batch | undefined {
    if (this.queueHead === this.queue.length || this.fatal) return undefined;
    const jobs: Job[] = [];
    let bytes = 0;
    while (this.queueHead < this.queue.length && jobs.length < BATCH_FILES && bytes < BATCH_BYTES) {
      const job = this.queue[this.queueHead++]!;
      jobs.push(job);
      bytes += job.size;
    }
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return { jobs, contents: jobs.map(() => []) };
  }

  /** Waits for a batch; undefined once the pool closes with nothing queued (or fails). */
  private async nextBatch(): Promise<Batch | undefined> {
    for (;;) {
      const batch = this.takeBatch();
      if (batch || this.closing || this.fatal) return batch;
      await new Promise<void>((resolve) => this.laneWaiters.push(resolve));
    }
  }

  private async run(lane: Lane): Promise<void> {
    let batch: Batch | undefined;
    let decisions: Uint8Array | null = null;
    let batchDone = true;
    let packsInFlight = 0;
    let packUploaded: (() => void) | undefined;
    const handle = (r: LaneStepResult): void => {
      decisions = this.answer(r, batch);
      for (const p of r.packs) {
        packsInFlight++;
        const upload = this.sink.savePackFile({ id: p.id.toString('hex') as Id, fd: p.fd, length: p.length, header: p.header, blobCount: p.blobCount });
        void this.sink.track(
          upload.finally(() => {
            packsInFlight--;
            packUploaded?.();
          }),
        );
      }
      batchDone = r.batchDone;
    };
    try {
      for (;;) {
        let next: Batch | undefined;
        if (batchDone) {
          // with answers to deliver, go on at once (the step stores them); else wait for files
          next = decisions ? this.takeBatch() : await this.nextBatch();
          if (!next && !decisions) break;
          if (next) batch = next;
        }
        while (packsInFlight >= this.options.packsInFlight) await new Promise<void>((resolve) => (packUploaded = resolve));
        if (this.fatal) break;
        const paths = next ? Buffer.concat(next.jobs.flatMap((j) => [j.path, NUL])) : null;
        const sizes = next ? Float64Array.from(next.jobs, (j) => j.size) : null;
        handle(await laneStep(lane, decisions, paths, sizes, false));
      }
      if (!this.fatal) handle(await laneStep(lane, null, null, null, true));
    } catch (err) {
      this.fail(
        new LifeboatError('E_IO', `reading files for the backup failed: ${err instanceof Error ? err.message : String(err)}`, {
          hint: `new packs are built in temporary files in ${this.packDir}${this.sink.packFileDir ? '' : ' (set TMPDIR to change it)'}: it must exist, be writable and have room for a few 17 MiB packs per core`,
          cause: err,
        }),
      );
    } finally {
      if (batch) for (const job of batch.jobs) job.resolve(failedResult(this.fatal?.message ?? 'the backup stopped'));
      laneClose(lane);
    }
  }

  /** Marks the step's new chunks, collects content IDs, and finishes the step's files. */
  private answer(r: LaneStepResult, batch: Batch | undefined): Uint8Array | null {
    const n = r.chunkFiles.length;
    const isNew = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const id = r.ids.subarray(i * 32, i * 32 + 32);
      if (this.sink.reserveKey('data', id)) isNew[i] = 1;
      batch!.contents[r.chunkFiles[i]!]!.push(id);
    }
    for (const f of r.files) {
      const job = batch!.jobs[f.file]!;
      const ids = batch!.contents[f.file]!;
      batch!.contents[f.file] = [];
      if (f.errno !== undefined) {
        job.resolve({ content: new Uint8Array(0), size: f.size, changed: false, error: laneErrorMessage(f.errno, f.syscall ?? 'read', job.path.toString()) });
      } else {
        job.resolve({ content: ids.length === 1 ? ids[0]! : Buffer.concat(ids), size: f.size, changed: f.changed });
      }
      // resolved jobs stay in the batch; mark them so a failure does not resolve them again
      batch!.jobs[f.file] = resolvedJob;
    }
    return n > 0 ? isNew : null;
  }

  private fail(err: Error): void {
    this.fatal ??= err;
    for (const w of this.walkWaiters.splice(0)) w();
    this.wakeLanes();
    while (this.queueHead < this.queue.length) this.queue[this.queueHead++]!.resolve(failedResult(err.message));
  }
}

const NUL = Buffer.alloc(1);
const resolvedJob: Job = { path: NUL, size: 0, resolve: () => undefined };
