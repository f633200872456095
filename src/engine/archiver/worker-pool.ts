/**
 * The main-thread side of the file workers: batches file jobs (many small files per message),
 * keeps each worker supplied with about two batches, answers "which blobs are new" through the
 * repository writer, and uploads the packs the workers finish (in temporary files).
 */
import { Worker } from 'node:worker_threads';
import type { Id } from '../../core/index.js';
import type { BlobPackSink } from './ports.js';
import type { FileResult, FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

const BATCH_FILES = 128;
const BATCH_BYTES = 8 * 1024 * 1024;
const BATCHES_PER_WORKER = 2;
/** Files handed in and not finished before `whenAvailable` makes the walker wait. */
const MAX_PENDING_FILES = 2048;

interface Job {
  path: Buffer;
  size: number;
  resolve: (r: FileResult) => void;
}

interface WorkerState {
  worker: Worker;
  inFlight: Map<number, Job[]>;
  flushed?: () => void;
}

export class FileWorkerPool {
  private readonly workers: WorkerState[] = [];
  private queue: Job[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private pendingFiles = 0;
  private waiters: (() => void)[] = [];
  private batchCounter = 0;
  private fatal: Error | undefined;
  private scheduled = false;

  constructor(
    private readonly sink: BlobPackSink,
    init: WorkerInit,
    count: number,
  ) {
    for (let i = 0; i < count; i++) {
      // a small young generation: worker heaps hold little (buffers live outside the JS heap)
      // trackUnmanagedFds off: the descriptors of finished packs are opened in the worker and
      // closed here; Node would otherwise close them again when the worker exits
      const worker = new Worker(new URL('./file-worker.js', import.meta.url), {
        workerData: init,
        resourceLimits: { maxYoungGenerationSizeMb: 4 },
        trackUnmanagedFds: false,
      });
      const state: WorkerState = { worker, inFlight: new Map() };
      worker.on('message', (msg: FromWorker) => this.onMessage(state, msg));
      worker.on('error', (err) => this.fail(err));
      this.workers.push(state);
    }
  }

  /** Resolves when the pool accepts more files (bounds how far the walk runs ahead). */
  whenAvailable(): Promise<void> {
    if (this.pendingFiles < MAX_PENDING_FILES || this.fatal) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Reads, chunks and stores a file; resolves with its content IDs. */
  readFile(path: Buffer, size: number): Promise<FileResult> {
    if (this.fatal) return Promise.reject(this.fatal);
    this.pendingFiles++;
    return new Promise((resolve) => {
      this.queue.push({
        path,
        size,
        resolve: (r) => {
          this.pendingFiles--;
          if (this.pendingFiles < MAX_PENDING_FILES / 2) for (const w of this.waiters.splice(0)) w();
          resolve(r);
        },
      });
      this.queuedBytes += size;
      if (this.queued >= BATCH_FILES || this.queuedBytes >= BATCH_BYTES) this.dispatch();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.dispatch(true);
        });
      }
    });
  }

  private idlestWorker(): WorkerState | undefined {
    let best: WorkerState | undefined;
    for (const w of this.workers) {
      if (w.inFlight.size < BATCHES_PER_WORKER && (!best || w.inFlight.size < best.inFlight.size)) best = w;
    }
    return best;
  }

  private dispatch(partial = false): void {
    while (this.queued > 0) {
      if (!partial && this.queued < BATCH_FILES && this.queuedBytes < BATCH_BYTES) return;
      const target = this.idlestWorker();
      if (!target) return;
      const jobs: Job[] = [];
      let bytes = 0;
      while (this.queued > 0 && jobs.length < BATCH_FILES && bytes < BATCH_BYTES) {
        const job = this.queue[this.queueHead++]!;
        jobs.push(job);
        bytes += job.size;
      }
      if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.queuedBytes -= bytes;
      const batchId = ++this.batchCounter;
      target.inFlight.set(batchId, jobs);
      this.send(target, {
        type: 'batch',
        batchId,
        files: jobs.map((j, i) => ({ id: i, path: j.path, size: j.size })),
      });
    }
  }

  private send(state: WorkerState, msg: ToWorker): void {
    state.worker.postMessage(msg);
  }

  private onMessage(state: WorkerState, msg: FromWorker): void {
    switch (msg.type) {
      case 'ready':
        return;
      case 'ask': {
        const n = msg.ids.length / 32;
        const isNew = new Uint8Array(n);
        for (let i = 0; i < n; i++) isNew[i] = this.sink.reserveKey('data', msg.ids.subarray(i * 32, i * 32 + 32)) ? 1 : 0;
        this.send(state, { type: 'answer', askId: msg.askId, isNew });
        return;
      }
      case 'pack': {
        const upload = this.sink.savePackFile({ id: msg.id as Id, fd: msg.fd, length: msg.length, header: msg.header, blobCount: msg.blobCount });
        // the worker may go on once the pack is out of its hands, uploaded or not (a failure fails the backup)
        void this.sink.track(upload.finally(() => this.send(state, { type: 'packSaved' })));
        return;
      }
      case 'batchDone': {
        const jobs = state.inFlight.get(msg.batchId) ?? [];
        state.inFlight.delete(msg.batchId);
        for (const r of msg.results) jobs[r.id]?.resolve(r);
        this.dispatch(true);
        return;
      }
      case 'flushed':
        state.flushed?.();
        return;
      case 'fatal':
        this.fail(new Error(`file worker failed: ${msg.message}`));
    }
  }

  private fail(err: Error): void {
    this.fatal ??= err;
    for (const w of this.waiters.splice(0)) w();
    for (const w of this.workers) {
      for (const jobs of w.inFlight.values()) {
        for (const j of jobs) j.resolve({ id: 0, content: new Uint8Array(0), size: 0, changed: false, error: { message: err.message } });
      }
      w.inFlight.clear();
    }
  }

  /** Packs what the workers still hold, then stops them. */
  async close(): Promise<void> {
    this.dispatch(true);
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (this.fatal) return resolve();
            w.flushed = resolve;
            this.send(w, { type: 'flush' });
          }),
      ),
    );
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    if (this.fatal) throw this.fatal;
  }
}
