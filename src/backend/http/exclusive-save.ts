/**
 * Saving without ever replacing different bytes, on stores whose PUT/POST would overwrite:
 *
 *   under a per-name lock (saves of one name in this process run one after the other):
 *     size = stat(name)
 *     if absent: put(data) — a conditional write where the store has one (S3 If-None-Match);
 *                if the store refuses because the name appeared meanwhile, fall through
 *     compare: same size and same bytes → success (the save already happened, e.g. a retry
 *              after a lost answer); otherwise BackendError, nothing written
 *
 * Between processes the check and the write are not atomic unless the store offers conditional
 * writes; file names are content hashes, so two writers of one name normally hold equal bytes.
 */
import { BackendError, NotFoundError } from '../../core/index.js';
import type { Backend, BackendOptions, Handle } from '../index.js';

/** Serialises async work per key. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    try {
      await previous;
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export interface ExclusiveSaveOps {
  /** Size of the stored object, or undefined when there is none. */
  size(): Promise<number | undefined>;
  /** The stored object's bytes. */
  read(): Promise<Buffer>;
  /** Uploads the data; resolves false when the store refused because the name exists. */
  put(): Promise<boolean>;
}

/** The ops of a backend that reads through its own stat and load: only `put` is its own. */
export function exclusiveSaveOps(backend: Backend, h: Handle, options: BackendOptions, put: () => Promise<boolean>): ExclusiveSaveOps {
  return {
    size: async () => {
      try {
        return (await backend.stat(h, options)).size;
      } catch (err) {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }
    },
    read: () => backend.load(h, 0, 0, options),
    put,
  };
}

export async function saveExclusive(lock: KeyedLock, key: string, data: Uint8Array, what: string, ops: ExclusiveSaveOps): Promise<void> {
  await lock.run(key, async () => {
    let size = await ops.size();
    if (size === undefined) {
      if (await ops.put()) return;
      size = await ops.size();
    }
    if (size === data.length && (await ops.read()).equals(data)) return;
    throw new BackendError(`${what} already exists with different content: refusing to overwrite it`, {
      hint: 'run `lifeboat check`: the repository may be damaged',
    });
  });
}
