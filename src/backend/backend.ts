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
 * - `list` yields every file of a type with its size, in no particular order; names that are not
 *   64 lowercase hex characters (temporary files, strays) are skipped. `config` is not listable.
 * - A missing file is a `NotFoundError` naming the handle and the location (retry layers do not
 *   retry it); other failures are `BackendError`s with `transient` set when a retry can help.
 * - Every call honours `options.signal` between its steps (rejecting with the abort reason).
 * - A handle's name is one path component; anything else is a programmer error (TypeError).
 */
import type { Id } from '../core/index.js';

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
  if (bytes.length !== target.length) throw new Error(`load of ${describeHandle(h)} returned ${bytes.length} bytes for ${target.length}`);
  target.set(bytes);
}
