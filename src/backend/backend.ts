/**
 * The backend contract: a dumb store of immutable files named by (type, name), as restic's
 * backends are. Repositories above it never see paths, URLs or HTTP.
 *
 * Rules every implementation keeps (checked by backend/testing's runBackendContract):
 * - `save` creates a file atomically: readers never see a partial file, a failed or aborted save
 *   leaves nothing that `list` returns. Saving a name that exists with identical bytes succeeds;
 *   with different bytes it fails with `BackendError` (never a silent overwrite, also not for
 *   `config` and not when two saves race). `create` refuses with E_REPO_EXISTS once a config
 *   exists, so `init` writes the config only into an empty place.
 * - `load` reads `length` bytes from `offset` (length 0 = to the end); a range past the end of
 *   the file is a `BackendError` whose message says "truncated" and names the file.
 * - `loadInto` (optional) reads the same way into the caller's buffer; callers go through
 *   `loadRangeInto`, which uses `load` and a copy for backends without it.
 * - `saveFrom` (optional) saves the bytes of an open file, under save's rules; callers go through
 *   `saveFromFile`, which reads the file into a buffer and uses `save` for backends without it.
 * - `list` yields every file of a type with its size, in no particular order; names that are not
 *   64 lowercase hex characters (temporary files, strays) are skipped. `config` is not listable.
 * - A missing file is a `NotFoundError` naming the handle and the location (retry layers do not
 *   retry it); other failures are `BackendError`s with `transient` set when a retry can help.
 * - Every call honours `options.signal` between its steps (rejecting with the abort reason).
 * - A handle's name is one path component; anything else is a programmer error (TypeError).
 */
import { read } from 'node:fs';
import { promisify } from 'node:util';
import { BackendError, type Id, LifeboatError } from '../core/index.js';

export type FileType = 'config' | 'keys' | 'locks' | 'snapshots' | 'index' | 'data';

export const FILE_TYPES: readonly FileType[] = ['config', 'keys', 'locks', 'snapshots', 'index', 'data'];

export interface Handle {
  type: FileType;
  /** 64-hex storage ID; ignored (empty) for `config`. */
  name: string;
}

export interface FileInfo {
  name: string;
  size: number;
}

export interface BackendOptions {
  signal?: AbortSignal;
}

/** Bytes [0, length) of an open file, read with positioned reads; the caller keeps (and closes) `fd`. */
export interface FileSource {
  fd: number;
  length: number;
  /**
   * Nothing will read the stored file soon (a backup's data packs): a backend that keeps it on
   * this host may drop its pages from the page cache once it is safely stored (local backend).
   */
  dropCache?: boolean;
}

export interface Backend {
  /** Human-readable location (never with secrets), used in messages. */
  readonly location: string;
  /** How many requests are worth running at once. */
  readonly connections: number;
  /**
   * A file is listed as soon as its save resolves (local disk, memory). Eventually consistent
   * stores leave this unset, and lock acquisition then waits before checking again.
   */
  readonly strongListing?: boolean;

  /** Create the repository structure (directories, bucket prefix). Fails if a config exists. */
  create(options?: BackendOptions): Promise<void>;
  /**
   * Optional: after a failed init, removes what `create` made through this object (directories
   * it created, while they are still empty) and nothing else; the caller removes the files it
   * saved first. A `create` that fails undoes itself.
   */
  undoCreate?(): Promise<void>;
  /**
   * Optional: removes the temporary files interrupted saves left (a killed process) that were
   * last modified before `before` (ms since the epoch; newer ones may belong to a save in
   * progress). Returns how many and their bytes; with `dryRun` only counts them.
   */
  removeTemporaries?(before: number, options?: { dryRun?: boolean; signal?: AbortSignal }): Promise<{ count: number; bytes: number }>;
  save(handle: Handle, data: Uint8Array, options?: BackendOptions): Promise<void>;
  /** Bytes [offset, offset+length) of the file; length 0 means to the end of the file. */
  load(handle: Handle, offset?: number, length?: number, options?: BackendOptions): Promise<Buffer>;
  /**
   * Optional: bytes [offset, offset+target.length) of the file into `target`, for callers that
   * reuse their buffers instead of getting a new one per read. `target` must not be empty
   * (RangeError); the errors are load's. Once the promise settles, nothing writes into `target`
   * any more; after a rejection its contents are unspecified.
   */
  loadInto?(handle: Handle, offset: number, target: Uint8Array, options?: BackendOptions): Promise<void>;
  /**
   * Optional: `save` with the bytes of an open file instead of a buffer, so that a pack built in a
   * temporary file is stored without a pack-sized buffer. Each attempt reads the file from the start.
   */
  saveFrom?(handle: Handle, source: FileSource, options?: BackendOptions): Promise<void>;
  /**
   * Optional: a directory on the store's own file system where packs may be built in anonymous
   * files (O_TMPFILE) that saveFrom then publishes by a link instead of a copy (local
   * repositories). Unset: packs are built in the system's temporary directory.
   */
  readonly packFileDir?: string;
  /**
   * Optional: the local file that holds a stored object, for a reader that reads it itself (check
   * --read-data's native lanes); undefined where reads must go through the backend's calls.
   */
  localPath?(handle: Handle): string | undefined;
  stat(handle: Handle, options?: BackendOptions): Promise<FileInfo>;
  list(type: FileType, options?: BackendOptions): AsyncIterable<FileInfo>;
  remove(handle: Handle, options?: BackendOptions): Promise<void>;
  close(): Promise<void>;
}

export function handle(type: FileType, name: Id | string = ''): Handle {
  return { type, name };
}

export function describeHandle(h: Handle): string {
  return h.type === 'config' ? 'config' : `${h.type}/${h.name}`;
}

/**
 * Reads bytes [offset, offset+target.length) of a file into `target`: with the backend's own
 * `loadInto` when it has one, else with `load` and a copy (the contract is the same either way).
 */
export async function loadRangeInto(backend: Backend, h: Handle, offset: number, target: Uint8Array, options?: BackendOptions): Promise<void> {
  if (backend.loadInto) return backend.loadInto(h, offset, target, options);
  if (target.length === 0) throw new RangeError('loadInto: the target is empty');
  const bytes = await backend.load(h, offset, target.length, options);
  if (bytes.length !== target.length) {
    throw new BackendError(`${describeHandle(h)} in ${backend.location} is truncated: wanted ${target.length} bytes from offset ${offset}, got ${bytes.length}`);
  }
  target.set(bytes);
}

/** Buffers `saveFromFile` lends for backends without `saveFrom` (a pack-sized buffer is reused, not made per save). */
const spareBuffers: Buffer[] = [];

/**
 * Saves the bytes of an open file: with the backend's own `saveFrom` when it has one, else by
 * reading them into a (reused) buffer for `save`.
 */
export async function saveFromFile(backend: Backend, h: Handle, source: FileSource, options?: BackendOptions): Promise<void> {
  if (backend.saveFrom) return backend.saveFrom(h, source, options);
  let buffer = spareBuffers.pop();
  if (!buffer || buffer.length < source.length) buffer = Buffer.allocUnsafe(source.length);
  try {
    const bytes = buffer.subarray(0, source.length);
    await readFileRange(source.fd, bytes, 0, `the source of ${describeHandle(h)}`);
    await backend.save(h, bytes, options);
  } finally {
    spareBuffers.push(buffer);
  }
}

const readAsync = promisify(read);

/**
 * Fills `into` from position `position` of `fd`; an early end of file is an `E_IO` error naming
 * `what` (the file being saved, for instance `data/1234…`).
 */
export async function readFileRange(fd: number, into: Uint8Array, position: number, what = 'the source file'): Promise<void> {
  for (let done = 0; done < into.length;) {
    const { bytesRead } = await readAsync(fd, into, done, into.length - done, position + done);
    if (bytesRead === 0) {
      throw new LifeboatError('E_IO', `${what} ended after ${position + done} bytes, ${into.length - done} bytes short of what was to be saved`, {
        hint: 'the temporary file was truncated while it was being saved; run the command again',
      });
    }
    done += bytesRead;
  }
}
