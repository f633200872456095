/**
 * Writes the contents of planned files, pack by pack (step 3 of restorer.ts):
 *
 *   files without blobs are finished first
 *   four packs at a time: the pack's rows of files not failed, by offset → spans of whole blobs
 *     of at most SPAN_BYTES (a larger blob alone); per span one ranged read into a reused span
 *     buffer (a one-blob span over SPAN_BYTES: into the one large-span buffer, one span at a
 *     time), then per blob: decrypt in place + verify once, write to every file and offset that
 *     needs it; give the buffer back
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
import { type BlobScratch, newPlainScratch } from '../../repository/pack/index.js';
import type { FileTable } from './file-table.js';
import type { FileWriter } from './file-writer.js';
import { type MetadataOptions, applyParsedMetadata } from './metadata.js';
import type { PackPlan, Span } from './pack-plan.js';
import { SMALL_FILE_BYTES, SmallFileBatch } from './small-file-batch.js';
import { isZero } from './file-writer.js';
import { permFromFileMode } from '../../repository/model/index.js';

/** Most bytes of a pack read at once: four packs in flight hold 4 × 4 MiB of reads, not 4 packs. */
const SPAN_BYTES = 4 * 1024 * 1024;
/** Packs read at once. */
const PACKS_IN_FLIGHT = 4;
/** The large-span buffer holds any blob restic's chunker makes (8 MiB) with its overhead. */
const LARGE_SPAN_BYTES = 8 * 1024 * 1024 + 64 * 1024;

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
  /** Decompressed blobs land here and are written before the next one is decompressed (writes are synchronous). */
  private readonly plain = newPlainScratch();
  /**
   * Span buffers not in use (at most one per pack in flight). Reused rather than allocated per
   * read: a dead read buffer is freed only when V8 collects its Buffer, and that let tens of MiB
   * of them wait; a fresh buffer also costs its first-touch page faults on every read.
   */
  private readonly spanBuffers: Buffer[] = [];
  /** For spans larger than SPAN_BYTES (one large blob each), used by one span at a time. */
  private largeBuffer: Buffer | undefined;
  private largeBufferQueue: Promise<void> = Promise.resolve();
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

  /** Reads one span of a pack and writes the blobs of its rows. */
  private async restoreSpan(pack: number, rows: readonly number[], span: Span, slot: BatchSlot): Promise<void> {
    const length = span.end - span.start;
    if (length > SPAN_BYTES) {
      // one blob larger than a span: not a small file
      await this.withLargeBuffer(length, (buffer) => this.readAndWriteSpan(pack, rows, span, buffer, undefined));
      return;
    }
    const buffer = this.spanBuffers.pop() ?? Buffer.allocUnsafeSlow(SPAN_BYTES);
    if (await this.readAndWriteSpan(pack, rows, span, buffer, slot)) this.spanBuffers.push(buffer);
  }

  /**
   * Runs `fn` with the large-span buffer once no other span uses it. Spans that large are rare
   * (restic's chunker averages 1 MiB; 25 of 62,000 blobs of the bench dataset), and a new buffer
   * for each of them would again wait for a GC to be freed.
   */
  private async withLargeBuffer(length: number, fn: (buffer: Buffer) => Promise<boolean>): Promise<void> {
    const previous = this.largeBufferQueue;
    let release!: () => void;
    this.largeBufferQueue = new Promise((resolve) => (release = resolve));
    try {
      await previous;
      if (!this.largeBuffer || this.largeBuffer.length < length) this.largeBuffer = Buffer.allocUnsafeSlow(Math.max(length, LARGE_SPAN_BYTES));
      if (!(await fn(this.largeBuffer))) this.largeBuffer = undefined;
    } finally {
      release();
    }
  }

  /**
   * Reads a span into `buffer` and writes its blobs; false when the read failed (the buffer is
   * then not reused: a failed read may have left anything in it).
   */
  private async readAndWriteSpan(pack: number, rows: readonly number[], span: Span, buffer: Buffer, slot: BatchSlot | undefined): Promise<boolean> {
    const packId = this.plan.packs[pack]!;
    const bytes = buffer.subarray(0, span.end - span.start);
    try {
      await this.reader.loadPackRangeInto(packId, span.start, bytes, this.signal);
    } catch (err) {
      // each blob of the span through its other copies, one at a time
      let i = span.from;
      while (i < span.to) {
        const j = this.sameBlobEnd(rows, i, span.to);
        const plain = await this.otherCopy(packId, rows[i]!, err);
        for (let k = i; k < j; k++) {
          if (plain) this.writeBlob(rows[k]!, plain, undefined);
          else this.failFile(this.plan.file(rows[k]!), err);
        }
        i = j;
      }
      return false;
    }
    await this.writeSpan(packId, rows, span, bytes, slot);
    return true;
  }

  /**
   * Decrypts each blob of a span in place (its sealed bytes are not needed again) and writes it.
   * The decrypted blob may be in the scratch all packs share: nothing awaits between decrypting
   * and writing or copying it.
   */
  private async writeSpan(packId: Id, rows: readonly number[], span: Span, bytes: Buffer, slot: BatchSlot | undefined): Promise<void> {
    let i = span.from;
    while (i < span.to) {
      const row = rows[i]!;
      const blobOffset = this.plan.blobOffset(row);
      const j = this.sameBlobEnd(rows, i, span.to);
      if (slot) {
        const file = this.plan.file(row);
        const plainLength = this.plan.uncompressedLength(row) || this.plan.length(row) - 32;
        if (this.batchable(file, row, plainLength) && !slot.batch.fits(this.files.path(file).length, plainLength)) await this.rotate(slot);
      }
      let plain: Buffer | undefined;
      try {
        const loc = { type: 'data' as const, id: this.plan.blobId(row), packId, uncompressedLength: this.plan.uncompressedLength(row) };
        const at = blobOffset - span.start;
        const sealed = bytes.subarray(at, at + this.plan.length(row));
        const scratch: BlobScratch = { sealed, plain: this.plain };
        plain = this.reader.decryptBlob(loc, sealed, scratch);
      } catch (err) {
        plain = await this.otherCopy(packId, row, err);
        if (!plain) for (let k = i; k < j; k++) this.failFile(this.plan.file(rows[k]!), err);
      }
      if (plain) {
        for (let k = i; k < j; k++) this.writeBlob(rows[k]!, plain, slot);
      }
      i = j;
    }
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

  private writeBlob(row: number, plain: Buffer, slot: BatchSlot | undefined): void {
    const file = this.plan.file(row);
    if (this.files.failed(file)) return;
    if (slot && this.batchable(file, row, plain.length)) {
      const content = this.writer.sparse && isZero(plain) ? NO_CONTENT : plain;
      if (this.addToBatch(slot.batch, file, content)) {
        this.files.written(file);
        return;
      }
    }
    try {
      this.writer.write(file, this.plan.fileOffset(row), plain);
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
