/**
 * A file worker (runs in a worker thread): reads files with synchronous calls (no per-call
 * promise round trip), cuts them with the repository's chunker, hashes every chunk, asks the
 * main thread which blobs are new, and compresses and encrypts the new ones into its own pack,
 * built in an unlinked temporary file (`PackFileWriter`); a finished pack goes to the main thread
 * as an open descriptor and the worker goes on with the next one (it waits only when
 * `init.packBuffers` of its packs are still waiting for upload).
 *
 *   staging buffer: [asked/packed … | complete chunks not yet asked | current chunk tail | free]
 *   when free space < one read: ask about the complete chunks, pack the new ones, move the
 *   current chunk's tail to the front.
 *
 * Buffers are allocated once per worker and reused (first-touch page faults are the cost that
 * matters most here, see docs/performance.md).
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Chunker, MAX_SIZE, parsePolynomial } from '../../repository/chunker/index.js';
import type { CryptoKey } from '../../repository/crypto/index.js';
import type { Id } from '../../core/index.js';
import { PackFileWriter } from '../../repository/pack/pack-file.js';
import { releasePages } from '../../native/index.js';
import type { FileJob, FileResult, FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

const READ_SIZE = 1024 * 1024;
const STAGING_SIZE = MAX_SIZE + 2 * READ_SIZE;
/** Ask about the complete chunks once they hold this much (bounds the staging buffer's use). */
const DRAIN_BYTES = 4 * 1024 * 1024;
/**
 * After each file, staging and scratch pages beyond these sizes are given back to the kernel if
 * a large chunk touched them: a maximum-size chunk is rare, and without this every worker would
 * keep ~18 MiB resident through the (typical) rest of the backup.
 */
const KEEP_STAGING = DRAIN_BYTES + 2 * READ_SIZE;
const KEEP_SCRATCH = 2 * 1024 * 1024;
/** A sealed blob: compressed (at most compressBound of the largest chunk) or not, plus IV and MAC. */
const SCRATCH_SIZE = MAX_SIZE + 64 * 1024;

interface PendingChunk {
  start: number;
  end: number;
  id: Buffer;
}

const port = parentPort!;
const init = workerData as WorkerInit;
const key: CryptoKey = {
  encrypt: Buffer.from(init.key.encrypt),
  macK: Buffer.from(init.key.macK),
  macR: Buffer.from(init.key.macR),
};
const chunker = new Chunker(parsePolynomial(init.polynomial));
const staging = Buffer.allocUnsafe(STAGING_SIZE);
let fill = 0;
let chunkStart = 0;
let complete: PendingChunk[] = [];
/** Bytes of the chunks in `complete`. */
let completeBytes = 0;
/** Highest `fill` since the staging pages were last released. */
let stagingHigh = 0;

/** Finished packs handed to the main thread and not uploaded yet; the worker waits above `init.packBuffers`. */
let packsInFlight = 0;
let packWaiter: (() => void) | undefined;
const packs = new PackFileWriter(key, init.level, (pack) => {
  packsInFlight++;
  post({
    type: 'pack',
    id: pack.id,
    fd: pack.fd,
    length: pack.length,
    header: pack.header,
    blobCount: pack.blobCount,
  }, [pack.header.buffer as ArrayBuffer]);
}, SCRATCH_SIZE);

function packSlot(): Promise<void> {
  if (packsInFlight < Math.max(1, init.packBuffers)) return Promise.resolve();
  return new Promise((resolve) => (packWaiter = resolve));
}

let askCounter = 0;
const askWaiters = new Map<number, (isNew: Uint8Array) => void>();

function post(msg: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(msg, transfer);
}

function ask(ids: Buffer): Promise<Uint8Array> {
  const askId = ++askCounter;
  return new Promise((resolve) => {
    askWaiters.set(askId, resolve);
    post({ type: 'ask', askId, ids });
  });
}

/** Asks about the complete chunks, packs the new ones and compacts the staging buffer. */
async function drainStaging(): Promise<void> {
  if (complete.length > 0) {
    const chunks = complete;
    complete = [];
    completeBytes = 0;
    const ids = Buffer.allocUnsafe(chunks.length * 32);
    chunks.forEach((c, i) => c.id.copy(ids, i * 32));
    const isNew = await ask(ids);
    for (let i = 0; i < chunks.length; i++) {
      if (!isNew[i]) continue;
      const c = chunks[i]!;
      const data = staging.subarray(c.start, c.end);
      packs.addBlob('data', c.id, data);
      await packSlot();
    }
  }
  if (chunkStart > 0) {
    staging.copy(staging, 0, chunkStart, fill);
    fill -= chunkStart;
    chunkStart = 0;
  }
}

function cut(end: number, ids: Buffer[]): void {
  const id = createHash('sha256').update(staging.subarray(chunkStart, end)).digest();
  complete.push({ start: chunkStart, end, id });
  completeBytes += end - chunkStart;
  ids.push(id);
  chunkStart = end;
}

async function readFile(job: FileJob): Promise<FileResult> {
  const ids: Buffer[] = [];
  let fd = -1;
  let size = 0;
  try {
    fd = openSync(Buffer.from(job.path), 'r');
    const before = fstatSync(fd, { bigint: true });
    chunker.reset();
    for (;;) {
      if (STAGING_SIZE - fill < READ_SIZE || completeBytes >= DRAIN_BYTES) await drainStaging();
      const n = readSync(fd, staging, fill, READ_SIZE, null);
      if (fill + n > stagingHigh) stagingHigh = fill + n;
      if (n === 0) {
        if (fill > chunkStart) cut(fill, ids);
        break;
      }
      let scan = fill;
      fill += n;
      size += n;
      for (;;) {
        const c = chunker.next(staging, scan, fill);
        if (c < 0) break;
        cut(c, ids);
        scan = c;
      }
    }
    const after = fstatSync(fd, { bigint: true });
    const changed = after.size !== before.size || after.mtimeNs !== before.mtimeNs || BigInt(size) !== after.size || size !== job.size;
    return { id: job.id, content: Buffer.concat(ids), size, changed };
  } catch (err) {
    // drop the unfinished chunk of this file; complete chunks already cut stay (harmless)
    fill = chunkStart;
    const e = err as NodeJS.ErrnoException;
    return { id: job.id, content: new Uint8Array(0), size, changed: false, error: { message: e.message, code: e.code } };
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Gives back the staging and scratch pages that only a large chunk needed (see KEEP_STAGING). */
function releaseLargePages(): void {
  if (stagingHigh > KEEP_STAGING && fill <= KEEP_STAGING) {
    releasePages(staging, KEEP_STAGING);
    stagingHigh = fill;
  }
  packs.releaseScratch(KEEP_SCRATCH);
}

let queue: Promise<void> = Promise.resolve();

function enqueue(work: () => Promise<void>): void {
  queue = queue.then(work).catch((err: unknown) => {
    post({ type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  });
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'batch':
      enqueue(async () => {
        const results: FileResult[] = [];
        for (const job of msg.files) {
          results.push(await readFile(job));
          releaseLargePages();
        }
        post({ type: 'batchDone', batchId: msg.batchId, results });
      });
      break;
    case 'answer': {
      const waiter = askWaiters.get(msg.askId);
      askWaiters.delete(msg.askId);
      waiter?.(msg.isNew);
      break;
    }
    case 'packSaved': {
      packsInFlight--;
      const w = packWaiter;
      packWaiter = undefined;
      w?.();
      break;
    }
    case 'flush':
      enqueue(async () => {
        await drainStaging();
        packs.finish();
        post({ type: 'flushed' });
      });
      break;
  }
});

post({ type: 'ready' });
