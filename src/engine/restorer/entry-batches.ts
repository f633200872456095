/**
 * A restore's new symlinks and its directories' metadata, written in batches on libuv's thread
 * pool (SmallFileBatch, native writeFiles) instead of three system calls each on the main thread:
 *
 *   walk: a new symlink is added to the current batch; a full batch is written while the walk
 *     goes on (its directories exist already: they are created on the way down)
 *   end: every directory's owner, mode and times, deepest first, in batches
 *
 * One batch is written at a time and each batch in order, so entries are handled in the order
 * they were added. The walk makes room (`makeRoom`) before each entry it may add, so adding
 * never waits. Problems go to `fail` with the entry's path, as the main-thread calls report them.
 */
import { SmallFileBatch } from './small-file-batch.js';
import type { NodeTimes } from './metadata.js';

/** Content bytes of an entry batch: symlink targets only (each under PATH_MAX). */
const ENTRY_BATCH_BYTES = 64 * 1024;
/** Room an entry may need: the longest path or target. */
const ENTRY_ROOM = 4096;

export interface EntryBatchEvents {
  /** A problem with `path`: the entry is not there (or, for metadata, not complete). */
  fail(path: Buffer, err: unknown): void;
  /** A symlink was created (the fault-injection hook counts it like the main thread's writes). */
  created(): void;
}

export class EntryBatches {
  private batch = new SmallFileBatch(ENTRY_BATCH_BYTES);
  private spare: SmallFileBatch | undefined = new SmallFileBatch(ENTRY_BATCH_BYTES);
  private writing: Promise<void> | undefined;

  constructor(
    private readonly owner: boolean,
    private readonly events: EntryBatchEvents,
  ) {}

  /** Whether the current batch is full: the caller awaits `makeRoom` before adding. */
  get full(): boolean {
    return !this.batch.fits(ENTRY_ROOM, ENTRY_ROOM);
  }

  /** Starts writing the current batch (once the previous one is written) and takes an empty one. */
  async makeRoom(): Promise<void> {
    await this.writing;
    const full = this.batch;
    this.batch = this.spare ?? new SmallFileBatch(ENTRY_BATCH_BYTES);
    this.spare = undefined;
    this.writing = full.count > 0 ? this.write(full) : undefined;
    if (full.count === 0) this.spare = full;
  }

  /** Adds a new symlink (false when it cannot be batched: its target is too long). */
  symlink(path: Buffer, target: Buffer, uid: number, gid: number, times: NodeTimes): boolean {
    if (path.length >= ENTRY_ROOM || target.length >= ENTRY_ROOM) return false;
    return this.batch.addSymlink(0, path, target, uid, gid, times);
  }

  /** Adds a directory's metadata (false when it cannot be batched: its path is too long). */
  dirMetadata(path: Buffer, mode: number, uid: number, gid: number, times: NodeTimes): boolean {
    if (path.length >= ENTRY_ROOM) return false;
    return this.batch.addDirMetadata(0, path, mode, uid, gid, times);
  }

  /** Writes what is held and waits until every batch is written. */
  async flush(): Promise<void> {
    await this.makeRoom();
    await this.writing;
    this.writing = undefined;
  }

  private async write(batch: SmallFileBatch): Promise<void> {
    let failure: unknown;
    try {
      await batch.run(this.owner);
    } catch (err) {
      failure = err;
    }
    for (let i = 0; i < batch.count; i++) {
      // the path is copied only for a report: the batch's view of it is reused
      if (failure !== undefined) {
        this.events.fail(Buffer.from(batch.path(i)), failure);
        continue;
      }
      const { error, warnings } = batch.result(i);
      if (error) {
        this.events.fail(Buffer.from(batch.path(i)), error);
        continue;
      }
      for (const w of warnings) this.events.fail(Buffer.from(batch.path(i)), w);
      if (batch.isSymlink(i)) this.events.created();
    }
    batch.clear();
    this.spare = batch;
  }
}
