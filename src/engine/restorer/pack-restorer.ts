/**
 * Writes the contents of planned files, pack by pack (step 3 of restorer.ts):
 *
 *   files without blobs are finished first
 *   four packs at a time: the pack's rows of files not failed, by offset → spans of whole blobs
 *     of at most SPAN_BYTES (a larger blob alone); per span one ranged read, then per blob:
 *     decrypt + verify once, write to every file and offset that needs it
 *   a file whose last write is done is closed, gets its metadata, is renamed into place and
 *     gets its hard links
 *   a read or decryption failure fails the files of the blobs concerned, nothing else
 */
import { linkSync, lstatSync, unlinkSync } from 'node:fs';
import { forEachConcurrent } from '../../core/index.js';
import type { BlobReader } from '../../repository/ports.js';
import { newBlobScratch } from '../../repository/blob-crypto.js';
import type { FileTable } from './file-table.js';
import type { FileWriter } from './file-writer.js';
import { type MetadataOptions, applyParsedMetadata } from './metadata.js';
import type { PackPlan, Span } from './pack-plan.js';

/** Most bytes of a pack read at once: four packs in flight hold 4 × 4 MiB of reads, not 4 packs. */
const SPAN_BYTES = 4 * 1024 * 1024;
/** Packs read at once. */
const PACKS_IN_FLIGHT = 4;

/** What the pack restorer reports to the restore it is part of. */
export interface PackRestoreEvents {
  /** A problem with `path` (the restore goes on). */
  fail(path: Buffer, err: unknown): void;
  /** `bytes` of content written. */
  wrote(bytes: number): void;
  /** A file is complete under its final name and `names` names in all (its hard links too). */
  finished(names: number): void;
}

export class PackRestorer {
  /** Decrypted blobs land here and are written before the next one is decrypted (writes are synchronous). */
  private readonly scratch = newBlobScratch();

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
    for (let f = 0; f < this.files.length; f++) {
      if (!this.files.failed(f) && this.files.remaining(f) === 0) this.finish(f);
    }
    const packs = this.plan.packs.map((_, p) => p);
    await forEachConcurrent(packs, PACKS_IN_FLIGHT, (p) => this.restorePack(p), this.signal);
    for (let f = 0; f < this.files.length; f++) {
      if (this.files.failed(f)) this.writer.discard(f);
    }
  }

  private async restorePack(pack: number): Promise<void> {
    const rows = this.plan.rows(pack, (r) => !this.files.failed(this.plan.file(r)));
    for (const span of this.plan.spans(rows, SPAN_BYTES)) await this.restoreSpan(pack, rows, span);
  }

  /** Reads one span of a pack and writes the blobs of its rows. */
  private async restoreSpan(pack: number, rows: readonly number[], span: Span): Promise<void> {
    const packId = this.plan.packs[pack]!;
    let bytes: Buffer;
    try {
      bytes = await this.reader.loadPackRange(packId, span.start, span.end - span.start, this.signal);
    } catch (err) {
      for (let k = span.from; k < span.to; k++) this.failFile(this.plan.file(rows[k]!), err);
      return;
    }
    let i = span.from;
    while (i < span.to) {
      const row = rows[i]!;
      const blobOffset = this.plan.blobOffset(row);
      let j = i;
      while (j < span.to && this.plan.blobOffset(rows[j]!) === blobOffset) j++;
      let plain: Buffer | undefined;
      try {
        const loc = { type: 'data' as const, id: this.plan.blobId(row), packId, uncompressedLength: this.plan.uncompressedLength(row) };
        const at = blobOffset - span.start;
        plain = this.reader.decryptBlob(loc, bytes.subarray(at, at + this.plan.length(row)), this.scratch);
      } catch (err) {
        for (let k = i; k < j; k++) this.failFile(this.plan.file(rows[k]!), err);
      }
      if (plain) {
        for (let k = i; k < j; k++) this.writeBlob(rows[k]!, plain);
      }
      i = j;
    }
  }

  private writeBlob(row: number, plain: Buffer): void {
    const file = this.plan.file(row);
    if (this.files.failed(file)) return;
    try {
      this.writer.write(file, this.plan.fileOffset(row), plain);
    } catch (err) {
      this.failFile(file, err);
      return;
    }
    this.events.wrote(plain.length);
    if (this.files.written(file) === 0) this.finish(file);
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
    this.events.finished(names);
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
