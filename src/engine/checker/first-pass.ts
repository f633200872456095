/**
 * check --read-data's first pass: while the main thread loads the index, the lanes verify each
 * pack listed in data/ against its own header (verifyAgainstHeaders), and once the index is
 * there a pack counts as read when the index lists exactly what its header does. With the listing
 * of data/ that feeds it (listPacks), which step 2 of the check uses too.
 */
import type { Id } from '../../core/index.js';
import type { CompactPack } from '../../repository/index/index.js';
import { type PieceBuffers, indexMatchesHeader } from '../../repository/pack/index.js';
import { type PackSource, newLanes, verifyAgainstHeaders } from './read-data.js';

/** What listPacks needs from the repository. */
export interface PackLister {
  listFiles(type: 'data', signal?: AbortSignal): AsyncIterable<{ id: Id; size: number }>;
}

/**
 * data/ listed once, as fast as the backend answers: `files` yields each file as it is listed (to
 * one consumer, however slowly it takes them), and `sizes` has them all once the listing is done.
 * A listing that fails ends `files` and rejects `sizes`.
 */
export function listPacks(repo: PackLister, signal: AbortSignal | undefined): { files: AsyncIterable<{ id: Id; size: number }>; sizes: Promise<Map<Id, number>> } {
  const sizes = new Map<Id, number>();
  const queue: { id: Id; size: number }[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const listed = (async () => {
    try {
      for await (const f of repo.listFiles('data', signal)) {
        sizes.set(f.id, f.size);
        queue.push(f);
        wake?.();
      }
      return sizes;
    } finally {
      ended = true;
      wake?.();
    }
  })();
  listed.catch(() => undefined); // awaited after the index; a failure of that first must not leave it unhandled
  async function* files(): AsyncGenerator<{ id: Id; size: number }> {
    let next = 0;
    while (!ended) {
      if (next < queue.length) yield queue[next++]!;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
    // the rest largest first: the last packs verified are small ones, and no lane waits long for another at the end
    const rest = queue.slice(next).sort((a, b) => b.size - a.size);
    queue.length = 0;
    yield* rest;
  }
  return { files: files(), sizes: listed };
}

/**
 * Read-data's first pass (verifyAgainstHeaders), started before the index is loaded. A pack found
 * sound against its header counts as read once the index is there and lists exactly what the
 * header does (indexMatchesHeader); every other pack is left to the pass after the index.
 */
export class FirstPass {
  readonly lanes: PieceBuffers[] = newLanes();
  /** Sound against their headers, waiting for the index (`confirm`), and those confirmed. */
  private waiting: { id: Id; header: CompactPack }[] = [];
  private confirm: ((id: Id, header: CompactPack) => void) | undefined;
  readonly confirmed = new Set<Id>();
  private readonly run: Promise<void>;
  /** Ends the pass early when the check fails before it needs it (settled). */
  private readonly stop = new AbortController();

  /**
   * Resolves once every lane has a pack to verify, or every listed pack was taken, or the packs
   * are not local files: what the main thread waits for before it loads the index. From a local
   * repository the lanes need the main thread only between packs, and the index's load keeps it
   * busy for a while; another backend's reads need it all along, so nothing is gained waiting.
   */
  readonly busy: Promise<void>;

  constructor(repo: PackSource, files: AsyncIterable<{ id: Id; size: number }>, signal: AbortSignal | undefined) {
    const stopped = signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal;
    let started = 0;
    let ready!: () => void;
    this.busy = new Promise((resolve) => (ready = resolve));
    const onSound = (id: Id, header: CompactPack): void => {
      if (this.confirm) this.confirm(id, header);
      else this.waiting.push({ id, header });
    };
    async function* taken(): AsyncGenerator<{ id: Id; size: number }> {
      for await (const f of files) {
        if (repo.packFilePath?.(f.id) === undefined) ready();
        yield f;
      }
      ready();
    }
    this.run = verifyAgainstHeaders(repo, taken(), this.lanes, onSound, stopped, () => ++started === this.lanes.length && ready());
    void this.run.then(ready, ready); // awaited by the pass after the index
  }

  /** From now on each sound pack whose header matches `expected` (undefined: not indexed) is confirmed and `onConfirmed` told. */
  confirmWith(expected: (id: Id) => CompactPack | undefined, onConfirmed: () => void): void {
    this.confirm = (id, header) => {
      const entries = expected(id);
      if (!entries || !indexMatchesHeader(entries, header)) return;
      this.confirmed.add(id);
      onConfirmed();
    };
    for (const w of this.waiting) this.confirm(w.id, w.header);
    this.waiting = [];
  }

  /** When every lane is idle (rejects when the check was aborted). */
  done(): Promise<void> {
    return this.run;
  }

  /** Stops the pass (the check failed before it) and waits until no lane is busy. */
  async settled(): Promise<void> {
    this.stop.abort();
    await this.run.catch(() => undefined);
  }
}
