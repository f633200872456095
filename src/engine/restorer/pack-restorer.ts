/**
 * Writes the contents of planned files, pack by pack (step 3 of restorer.ts):
 *
 *   files without blobs are finished first
 *   four packs at a time: the pack's rows of files not failed, by offset → spans of whole blobs
 *     of at most SPAN_BYTES read and SPAN_BYTES decompressed (a larger blob alone); per span one
 *     ranged read into reused span buffers (a one-blob span over SPAN_BYTES: into one of the
 *     LARGE_PAIRS pairs of large-span buffers), then one request on the thread pool opens all
 *     its blobs (decrypt in place, decompress, verify: the main thread only hands them out),
 *     then per blob: write to every file and offset that needs it (on the thread pool, beside
 *     the other spans' openings); once the span's writes are done, give the buffers back
 *   a file whose last write is done is closed, gets its metadata, is renamed into place and
 *     gets its hard links
 *   except a small new file (one blob of at most SMALL_FILE_BYTES, or none, nothing at its name
 *     when the restore looked, no extended attributes): its content is copied into the pack's
 *     batch, and a full batch is written on the thread pool (SmallFileBatch: created under the
 *     final name, metadata through the descriptor) while the pack goes on, one batch being
 *     written per pack at a time; a name that turned up since is written the usual way
 *   a blob whose copy in the pack cannot be read or verified is loaded through the repository,
 *     which tries every copy the index knows (a warning names the unusable copy); when no copy
 *     is usable, the files of that blob fail, nothing else
 */
import { linkSync, lstatSync, unlinkSync } from 'node:fs';
import { type Id, IntegrityError, NotFoundError, forEachConcurrent } from '../../core/index.js';
import type { BlobReader } from '../../repository/ports.js';
import { BlobStatus, OPEN_BLOB_FIELDS, blobOpenError } from '../../repository/pack/index.js';
import type { FileTable } from './file-table.js';
import type { FileWriter } from './file-writer.js';
import { type MetadataOptions, applyParsedMetadata } from './metadata.js';
import type { PackPlan, Span } from './pack-plan.js';
import { SMALL_FILE_BYTES, SmallFileBatch } from './small-file-batch.js';
import { isZero } from './file-writer.js';
import { SPAN_BYTES, type SpanBuffers, SpanBufferPool } from './span-buffers.js';
import { permFromFileMode } from '../../repository/model/index.js';

/** Packs read at once. */
const PACKS_IN_FLIGHT = 4;

/** A pack's small files: the batch being filled and the write of the previous one, if any. */
interface BatchSlot {
  batch: SmallFileBatch;
  writing: Promise<void> | undefined;
}

const NO_CONTENT = Buffer.alloc(0);

/** What the pack restorer reports to the restore it is part of. */
export interface PackRestoreEvents {
  /** A problem with `path` (the restore goes on). */
  fail(path: Buffer, err: unknown): void;
  /** A problem that did not stop anything (a damaged copy of a blob another copy replaced). */
  warn(message: string): void;
  /** `bytes` of content written. */
  wrote(bytes: number): void;
  /** A file of `bytes` bytes is complete under its final name and `names` names in all (its hard links too). */
  finished(names: number, bytes: number): void;
}

export class PackRestorer {
  /** Read buffers: a pair per span in flight. */
  private readonly spanBuffers = new SpanBufferPool();
  /** Small-file batches not in use (at most two per pack in flight, and two for the empty files). */
  private readonly freeBatches: SmallFileBatch[] = [];

  constructor(
    private readonly reader: BlobReader,
    private readonly files: FileTable,
    private readonly plan: PackPlan,
    private readonly writer: FileWriter,
    private readonly metadata: MetadataOptions,
    private readonly events: PackRestoreEvents,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async run(): Promise<void> {
    const empty = this.writeEmptyFiles();
    const packs = this.plan.packs.map((_, p) => p);
    try {
      await forEachConcurrent(packs, PACKS_IN_FLIGHT, (p) => this.restorePack(p), this.signal);
    } finally {
      await empty;
    }
    for (let f = 0; f < this.files.length; f++) {
      if (this.files.failed(f)) this.writer.discard(f);
    }
  }

  /** Files without blobs: new ones in batches (written while the packs are read), the others at once. */
  private async writeEmptyFiles(): Promise<void> {
    const slot = this.newSlot();
    try {
      for (let f = 0; f < this.files.length; f++) {
        if (this.files.failed(f) || this.files.remaining(f) !== 0) continue;
        if (!this.batchable(f, 0, this.files.size(f))) {
          this.finish(f);
          continue;
        }
        if (!slot.batch.fits(this.files.path(f).length, 0)) await this.rotate(slot);
        if (!this.addToBatch(slot.batch, f, NO_CONTENT)) this.finish(f);
      }
    } finally {
      await this.drain(slot);
    }
  }

  private async restorePack(pack: number): Promise<void> {
    const rows = this.plan.rows(pack, (r) => !this.files.failed(this.plan.file(r)));
    const slot = this.newSlot();
    try {
      for (const span of this.plan.spans(rows, SPAN_BYTES)) await this.restoreSpan(pack, rows, span, slot);
    } finally {
      await this.drain(slot);
    }
  }

  /** Reads one span of a pack and writes the blobs of its rows (a large blob's span is not a small file). */
  private async restoreSpan(pack: number, rows: readonly number[], span: Span, slot: BatchSlot): Promise<void> {
    await this.spanBuffers.with(span, (buffers) => this.readAndWriteSpan(pack, rows, span, buffers, SpanBufferPool.isLarge(span) ? undefined : slot));
  }

  /**
   * Reads a span into `buffers` and writes its blobs; false when the read failed (the buffers
   * are then not reused: a failed read may have left anything in them).
   */
  private async readAndWriteSpan(pack: number, rows: readonly number[], span: Span, buffers: SpanBuffers, slot: BatchSlot | undefined): Promise<boolean> {
    const packId = this.plan.packs[pack]!;
    const bytes = buffers.sealed.subarray(0, span.end - span.start);
    try {
      await this.reader.loadPackRangeInto(packId, span.start, bytes, this.signal);
    } catch (err) {
      // each blob of the span through its other copies, one at a time
      const writes: Promise<void>[] = [];
      let i = span.from;
      while (i < span.to) {
        const j = this.sameBlobEnd(rows, i, span.to);
        const plain = await this.otherCopy(packId, rows[i]!, err);
        for (let k = i; k < j; k++) {
          if (plain) this.writeBlob(rows[k]!, plain, undefined, writes);
          else this.failFile(this.plan.file(rows[k]!), err);
        }
        i = j;
      }
      await Promise.all(writes);
      return false;
    }
    await this.writeSpan(packId, rows, span, bytes, buffers.plain, slot);
    return true;
  }

  /**
   * Opens the blobs of a span (`bytes`) in one request, each once however many rows use it, then
   * writes each to its rows, and waits for the writes. A plaintext stays valid until the span's
   * buffers are given back: uncompressed blobs are decrypted in place in `bytes`, compressed ones
   * each have their own place in `plain`.
   */
  private async writeSpan(packId: Id, rows: readonly number[], span: Span, bytes: Buffer, plain: Buffer, slot: BatchSlot | undefined): Promise<void> {
    const opened = await this.openSpan(rows, span, bytes, plain);
    const writes: Promise<void>[] = [];
    try {
      let i = span.from;
      for (let b = 0; i < span.to; b++) {
        const row = rows[i]!;
        const j = this.sameBlobEnd(rows, i, span.to);
        if (slot) {
          const file = this.plan.file(row);
          const plainLength = this.plan.uncompressedLength(row) || this.plan.length(row) - 32;
          if (this.batchable(file, row, plainLength) && !slot.batch.fits(this.files.path(file).length, plainLength)) await this.rotate(slot);
        }
        let content: Buffer | undefined;
        if (!(opened instanceof Error) && opened.status[b] === BlobStatus.ok) {
          const [offset, length, raw, at] = opened.blobs.subarray(b * OPEN_BLOB_FIELDS, (b + 1) * OPEN_BLOB_FIELDS) as unknown as [number, number, number, number];
          content = raw > 0 ? plain.subarray(at, at + raw) : bytes.subarray(offset, offset + length - 32);
        } else {
          const err = opened instanceof Error ? opened : blobOpenError(opened.status[b]!, `data blob ${this.plan.blobId(row)} in pack ${packId}`);
          content = await this.otherCopy(packId, row, err);
          if (!content) for (let k = i; k < j; k++) this.failFile(this.plan.file(rows[k]!), err);
        }
        if (content) {
          for (let k = i; k < j; k++) this.writeBlob(rows[k]!, content, slot, writes);
        }
        i = j;
      }
    } finally {
      await Promise.all(writes); // the buffers are reused once they are done (writes never reject)
    }
  }

  /**
   * Opens each blob of the span once (see openBlobs in repository/pack): the numbers and status
   * of each, in span order, or the error when the request could not run at all.
   */
  private async openSpan(rows: readonly number[], span: Span, bytes: Buffer, plain: Buffer): Promise<{ blobs: Float64Array; status: Uint8Array } | Error> {
    let count = 0;
    for (let i = span.from; i < span.to; i = this.sameBlobEnd(rows, i, span.to)) count++;
    const blobs = new Float64Array(count * OPEN_BLOB_FIELDS);
    const ids = Buffer.allocUnsafe(count * 32);
    const status = new Uint8Array(count);
    let at = 0;
    for (let i = span.from, b = 0; i < span.to; i = this.sameBlobEnd(rows, i, span.to), b++) {
      const row = rows[i]!;
      const raw = this.plan.uncompressedLength(row);
      blobs.set([this.plan.blobOffset(row) - span.start, this.plan.length(row), raw, at], b * OPEN_BLOB_FIELDS);
      this.plan.copyBlobId(row, ids, b * 32);
      at += raw;
    }
    try {
      await this.reader.openBlobs({ bytes, blobs, ids, plain, status });
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
    return { blobs, status };
  }

  /** The end of the rows from `i` on that are the same blob (one offset in the pack). */
  private sameBlobEnd(rows: readonly number[], i: number, to: number): number {
    const blobOffset = this.plan.blobOffset(rows[i]!);
    let j = i + 1;
    while (j < to && this.plan.blobOffset(rows[j]!) === blobOffset) j++;
    return j;
  }

  /**
   * The blob of `row`, whose copy in `packId` failed with `err`, loaded through the repository:
   * it tries each copy the index knows (restic 0.14's restorer gives up on the file instead).
   * Only for a damaged or missing copy (the kinds loadBlob moves on from): a read error that
   * outlived the retries is not tried again blob by blob. Undefined when no copy is usable; the
   * caller then reports `err`, the copy this restore planned to use, and the repository
   * remembers the blob as unreadable.
   */
  private async otherCopy(packId: Id, row: number, err: unknown): Promise<Buffer | undefined> {
    if (!(err instanceof IntegrityError || err instanceof NotFoundError) || this.signal?.aborted) return undefined;
    const id = this.plan.blobId(row);
    let plain: Buffer;
    try {
      plain = await this.reader.loadBlob('data', id, this.signal);
    } catch {
      return undefined;
    }
    const reason = err instanceof Error ? err.message : String(err);
    const named = reason.includes(packId) ? reason : `data blob ${id} in pack ${packId}: ${reason}`;
    this.events.warn(`${named}; another copy of the blob was restored instead (\`lifeboat repair packs ${packId}\` salvages the pack)`);
    return plain;
  }

  /**
   * Writes the blob of `row` to its file: into the slot's batch, or on the thread pool (the write
   * joins `writes`; `plain` must stay unchanged until they settle).
   */
  private writeBlob(row: number, plain: Buffer, slot: BatchSlot | undefined, writes: Promise<void>[]): void {
    const file = this.plan.file(row);
    if (this.files.failed(file)) return;
    if (slot && this.batchable(file, row, plain.length)) {
      const content = this.writer.sparse && isZero(plain) ? NO_CONTENT : plain;
      if (this.addToBatch(slot.batch, file, content)) {
        this.files.written(file);
        return;
      }
    }
    writes.push(this.writeToFile(file, this.plan.fileOffset(row), plain));
  }

  /** Writes one blob of `file` at `offset`, and finishes the file after its last write (never rejects). */
  private async writeToFile(file: number, offset: number, plain: Buffer): Promise<void> {
    try {
      await this.writer.writeAsync(file, offset, plain);
    } catch (err) {
      this.failFile(file, err);
      return;
    }
    this.events.wrote(plain.length);
    if (this.files.written(file) === 0) this.finish(file);
  }

  /**
   * Whether `file` is written through a batch when a blob of `length` bytes at `row` (any row for
   * a file without blobs) arrives: nothing was at its name, its metadata is only uid, gid, mode
   * and times, and this one blob is its whole content (or it has none).
   */
  private batchable(file: number, row: number, length: number): boolean {
    const f = this.files;
    if (!f.isNew(file) || !f.plainMetadata(file) || length > SMALL_FILE_BYTES || f.size(file) !== length) return false;
    const remaining = f.remaining(file);
    return remaining === 0 || (remaining === 1 && !this.writer.started(file) && this.plan.fileOffset(row) === 0);
  }

  private addToBatch(batch: SmallFileBatch, file: number, content: Buffer): boolean {
    const { node, times } = this.files.metadata(file);
    if (times instanceof Error) return false; // not a batchable file: its times are in the columns
    return batch.add(file, this.files.path(file), content, this.files.size(file), permFromFileMode(node.mode), node.uid, node.gid, times);
  }

  private newSlot(): BatchSlot {
    return { batch: this.freeBatches.pop() ?? new SmallFileBatch(), writing: undefined };
  }

  /** Starts writing the slot's batch once the previous one is written, and gives the slot an empty one. */
  private async rotate(slot: BatchSlot): Promise<void> {
    await slot.writing;
    const full = slot.batch;
    slot.batch = this.freeBatches.pop() ?? new SmallFileBatch();
    slot.writing = full.count > 0 ? this.writeBatch(full) : undefined;
    if (full.count === 0) this.freeBatches.push(full);
  }

  /** Writes what the slot holds and waits for it; the slot's batch goes back to the pool. */
  private async drain(slot: BatchSlot): Promise<void> {
    await this.rotate(slot);
    await slot.writing;
    slot.writing = undefined;
    this.freeBatches.push(slot.batch);
  }

  /** Writes a batch and settles each of its files (never rejects: problems are the files'). */
  private async writeBatch(batch: SmallFileBatch): Promise<void> {
    let failure: unknown;
    try {
      await batch.run(this.metadata.owner);
    } catch (err) {
      failure = err;
    }
    for (let i = 0; i < batch.count; i++) {
      const file = batch.files[i]!;
      try {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the batch's failure, passed on unchanged to each of its files
        if (failure !== undefined) throw failure;
        this.settle(batch, i, file);
      } catch (err) {
        this.failFile(file, err);
      }
    }
    batch.clear();
    this.freeBatches.push(batch);
  }

  /** File `i` of a written batch: finished, failed, or (its name was taken since the walk) written the usual way. */
  private settle(batch: SmallFileBatch, i: number, file: number): void {
    const { error, warnings } = batch.result(i);
    const size = this.files.size(file);
    if (error?.code === 'EEXIST' && error.syscall === 'open') {
      // something is at the name now: a temporary file renamed over it, as for any existing entry
      const content = batch.content(i);
      if (content.length > 0) this.writer.write(file, 0, content);
      this.events.wrote(size);
      this.finish(file);
      return;
    }
    if (error) throw error;
    const path = this.files.path(file);
    for (const w of warnings) this.events.fail(path, w);
    this.events.wrote(size);
    this.linkAndReport(file);
  }

  private failFile(file: number, err: unknown): void {
    if (this.files.failed(file)) return;
    this.files.markFailed(file);
    this.writer.discard(file);
    this.events.fail(this.files.path(file), err);
  }

  private finish(file: number): void {
    const path = this.files.path(file);
    try {
      const tmp = this.writer.close(file);
      const m = this.files.metadata(file);
      for (const problem of applyParsedMetadata(tmp, m.node, m.times, this.metadata)) this.events.fail(path, problem);
      this.writer.commit(file);
    } catch (err) {
      this.failFile(file, err);
      return;
    }
    this.linkAndReport(file);
  }

  /** Creates the other names of a file complete under its own, and reports it finished. */
  private linkAndReport(file: number): void {
    const path = this.files.path(file);
    let names = 1;
    for (const link of this.files.hardlinks(file)) {
      try {
        removeExisting(link);
        linkSync(path, link);
        names++;
      } catch (err) {
        this.events.fail(link, err);
      }
    }
    this.events.finished(names, this.files.size(file));
  }
}

/** Removes a non-directory entry at `path` so a symlink, device or link can take its place. */
export function removeExisting(path: Buffer): void {
  try {
    const st = lstatSync(path);
    if (!st.isDirectory()) unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
