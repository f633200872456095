/**
 * restic's local layout in a directory (spec 2.1, 12.1): `config`, `keys/`, `locks/`,
 * `snapshots/`, `index/`, `data/XX/<id>`. A repository in restic's old "s3legacy" layout
 * (`key/`, `lock/`, `snapshot/`, `index/`, `data/<id>` without fan-out; restic up to 0.16 reads
 * it) is recognised by its `key/` directory when there is no `keys/`, and used in that layout.
 *
 * Files are stored by save-file.ts (a temporary name, then a hard link that never replaces a
 * file); packs built in packFileDir are linked into place instead of copied.
 */
import { existsSync } from 'node:fs';
import { type FileHandle, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BackendError, LifeboatError, NotFoundError, errnoCode, isId } from '../../core/index.js';
import { type Backend, type BackendOptions, FILE_TYPES, type FileInfo, type FileSource, type FileType, type Handle, describeHandle, handle } from '../index.js';
import { classifyFsError } from './classify-fs-error.js';
import { ReadDescriptors } from './read-descriptors.js';
import { makeDirs, removeMadeDirs } from './make-dirs.js';
import { COPY_CHUNK, DIR_MODE, type SaveTarget, copyFrom, saveByLinking, saveByWriting } from './save-file.js';
import { type TemporariesResult, fanOutDirs, removeStaleTemporaries } from './temporaries.js';

/** Ranged reads up to this size use synchronous calls (see readSmall). */
const SYNC_READ_LIMIT = 256 * 1024;
/** Largest single read: fs.read takes an int32 length. */
const MAX_READ_STEP = 1024 * 1024 * 1024;
/** Files stat'ed at once while listing (the thread pool bounds real parallelism anyway). */
const LIST_STAT_BATCH = 32;

/** Directory names of restic's s3legacy layout, per file type; data is not fanned out there. */
const S3LEGACY_DIRS: Record<Exclude<FileType, 'config'>, string> = { data: 'data', keys: 'key', locks: 'lock', snapshots: 'snapshot', index: 'index' };

export type LocalLayout = 'default' | 's3legacy';

export class LocalBackend implements Backend {
  readonly connections = 2;
  readonly strongListing = true;
  /** Packs' descriptors kept open for small reads. */
  private readonly packFds = new ReadDescriptors();
  /** saveFrom's copy buffers, reused. */
  private readonly copyBuffers: Buffer[] = [];

  /** Directories `create` made (parents first), until `undoCreate` removes them. */
  private readonly created: string[] = [];
  /** Decided on first use (see `layout`). */
  private detectedLayout: LocalLayout | undefined;

  /** @param root the repository directory (it need not exist before `create`). */
  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

  /**
   * The repository's layout: s3legacy when it has a `key/` directory and no `keys/` (restic's
   * own detection for local repositories), otherwise the default one. Looked up once.
   */
  get layout(): LocalLayout {
    this.detectedLayout ??= !existsSync(join(this.root, 'keys')) && existsSync(join(this.root, 'key')) ? 's3legacy' : 'default';
    return this.detectedLayout;
  }

  /** The directory holding files of `type` (for data: the directory above the fan-out). */
  private typeDir(type: Exclude<FileType, 'config'>): string {
    return join(this.root, this.layout === 's3legacy' ? S3LEGACY_DIRS[type] : type);
  }

  private dirOf(h: Handle): string {
    if (h.type === 'config') return this.root;
    checkName(h);
    if (h.type === 'data' && this.layout === 'default') return join(this.root, 'data', h.name.slice(0, 2));
    return this.typeDir(h.type);
  }

  /** The file a handle is stored in. */
  path(h: Handle): string {
    return h.type === 'config' ? join(this.root, 'config') : join(this.dirOf(h), h.name);
  }

  private what(h: Handle): string {
    return `${describeHandle(h)} in ${this.root}`;
  }

  async create(options: BackendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    try {
      await stat(join(this.root, 'config'));
      throw new LifeboatError('E_REPO_EXISTS', `a repository already exists at ${this.root}`, {
        hint: 'use it, or choose another location for a new one',
      });
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw classifyFsError(err, 'create', this.root);
    }
    this.detectedLayout = 'default';
    try {
      for (const t of FILE_TYPES) if (t !== 'config') await makeDirs(join(this.root, t), DIR_MODE, this.created);
      for (let i = 0; i < 256; i++) {
        options.signal?.throwIfAborted();
        await makeDirs(join(this.root, 'data', i.toString(16).padStart(2, '0')), DIR_MODE, this.created);
      }
    } catch (err) {
      await this.undoCreate();
      throw classifyFsError(err, 'create', this.root);
    }
  }

  /** See Backend.removeTemporaries: every type directory, data's fan-out and the root (config). */
  async removeTemporaries(before: number, options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<TemporariesResult> {
    const dirs = [this.root, ...FILE_TYPES.filter((t) => t !== 'config').map((t) => this.typeDir(t))];
    try {
      if (this.layout === 'default') dirs.push(...(await fanOutDirs(this.typeDir('data'))));
      return await removeStaleTemporaries(dirs, before, options);
    } catch (err) {
      throw classifyFsError(err, 'remove temporaries in', this.root);
    }
  }

  /** Removes the directories `create` made, while they are empty (see Backend.undoCreate). */
  async undoCreate(): Promise<void> {
    await removeMadeDirs(this.created).catch(() => undefined);
  }

  async save(h: Handle, data: Uint8Array, options: BackendOptions = {}): Promise<void> {
    const target = this.saveTarget(h);
    await this.saving(
      target,
      saveByWriting(target, options.signal, async (fh) => {
        for (let off = 0; off < data.length;) off += (await fh.write(data, off, data.length - off)).bytesWritten;
      }),
    );
  }

  /** Backend.localPath: every object is a file. */
  localPath(h: Handle): string {
    return this.path(h);
  }

  /** Where the file lanes build packs: linkable into data/ (see Backend.packFileDir). */
  get packFileDir(): string {
    return this.typeDir('data');
  }

  /**
   * A pack built in an anonymous file of this repository's file system (packFileDir) is linked
   * into place; any other source is copied in COPY_CHUNK pieces through a reused buffer: no
   * pack-sized buffer (see Backend.saveFrom, save-file.ts).
   */
  async saveFrom(h: Handle, source: FileSource, options: BackendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const target = this.saveTarget(h);
    if (h.type === 'data' && (await this.saving(target, saveByLinking(source, target)))) return;
    const buffer = this.copyBuffers.pop() ?? Buffer.allocUnsafe(COPY_CHUNK);
    try {
      await this.saving(
        target,
        saveByWriting(target, options.signal, (fh) => copyFrom(fh, source, buffer, target, options.signal), source.dropCache),
      );
    } finally {
      this.copyBuffers.push(buffer);
    }
  }

  private saveTarget(h: Handle): SaveTarget {
    return { root: this.root, dir: this.dirOf(h), final: this.path(h), name: describeHandle(h), what: this.what(h) };
  }

  /** A save's outcome, its errors classified. */
  private async saving<T>(target: SaveTarget, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      throw classifyFsError(err, 'save', target.what);
    }
  }

  async load(h: Handle, offset = 0, length = 0, options: BackendOptions = {}): Promise<Buffer> {
    checkRange(offset, length);
    options.signal?.throwIfAborted();
    if (length > 0) {
      const buf = Buffer.allocUnsafe(length);
      await this.readInto(h, offset, buf, options.signal);
      return buf;
    }
    // to the end of the file: its size first
    return this.withFile(h, async (fh) => {
      const fileSize = (await fh.stat()).size;
      if (fileSize < offset) throw this.truncated(h, offset, 0, fileSize);
      const buf = Buffer.allocUnsafe(fileSize - offset);
      await this.readFully(h, fh, offset, buf, options.signal);
      return buf;
    });
  }

  /** Reads into the caller's buffer (see Backend.loadInto): the restorer reuses its span buffers. */
  async loadInto(h: Handle, offset: number, target: Uint8Array, options: BackendOptions = {}): Promise<void> {
    checkRange(offset, target.length);
    if (target.length === 0) throw new RangeError('loadInto: the target is empty');
    options.signal?.throwIfAborted();
    await this.readInto(h, offset, target, options.signal);
  }

  private async readInto(h: Handle, offset: number, target: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    if (target.length <= SYNC_READ_LIMIT) {
      this.readSmall(h, offset, target);
      return;
    }
    await this.withFile(h, (fh) => this.readFully(h, fh, offset, target, signal));
  }

  /** Runs `fn` on the open file; errors come out classified, the file is closed in any case. */
  private async withFile<T>(h: Handle, fn: (fh: FileHandle) => Promise<T>): Promise<T> {
    let fh: FileHandle;
    try {
      fh = await open(this.path(h), 'r');
    } catch (err) {
      throw classifyFsError(err, 'load', this.what(h));
    }
    try {
      return await fn(fh);
    } catch (err) {
      throw classifyFsError(err, 'load', this.what(h));
    } finally {
      await fh.close();
    }
  }

  /** Fills `target` from `offset` (in reads of at most MAX_READ_STEP bytes); the signal is checked before each read. */
  private async readFully(h: Handle, fh: FileHandle, offset: number, target: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    let got = 0;
    while (got < target.length) {
      signal?.throwIfAborted();
      // one read takes at most an int32 length (a larger one aborts Node): longer ranges go in steps
      const { bytesRead } = await fh.read(target, got, Math.min(target.length - got, MAX_READ_STEP), offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < target.length) throw this.truncated(h, offset, target.length, offset + got);
  }

  /**
   * Small ranged reads (tree blobs, single blobs) with synchronous calls: from the page cache they
   * take microseconds, while the promise round trips of fs/promises cost far more.
   */
  private readSmall(h: Handle, offset: number, target: Uint8Array): void {
    let got: number;
    try {
      // packs never change in place: their descriptors are kept
      got = this.packFds.read(this.path(h), h.type === 'data', offset, target);
    } catch (err) {
      throw classifyFsError(err, 'load', this.what(h));
    }
    if (got < target.length) throw this.truncated(h, offset, target.length, offset + got);
  }

  private truncated(h: Handle, offset: number, wanted: number, fileSize: number): BackendError {
    return new BackendError(`${this.path(h)} (${describeHandle(h)}) is truncated: wanted ${wanted > 0 ? `${wanted} bytes` : 'the rest'} from offset ${offset}, the file ends at ${fileSize}`, {
      hint: 'run `lifeboat check`: the file is damaged',
    });
  }

  async stat(h: Handle, options: BackendOptions = {}): Promise<FileInfo> {
    options.signal?.throwIfAborted();
    const path = this.path(h);
    try {
      const st = await stat(path);
      return { name: h.name, size: st.size };
    } catch (err) {
      throw classifyFsError(err, 'stat', this.what(h));
    }
  }

  async *list(type: FileType, options: BackendOptions = {}): AsyncIterable<FileInfo> {
    if (type === 'config') throw new TypeError('list: config is a single file, not a type to list');
    const signal = options.signal;
    signal?.throwIfAborted();
    const dirs = type === 'data' && this.layout === 'default' ? await this.dataDirs() : [this.typeDir(type)];
    for (const dir of dirs) {
      signal?.throwIfAborted();
      let names: string[];
      try {
        names = (await readdir(dir)).filter((n) => isId(n));
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue;
        throw classifyFsError(err, 'list', dir);
      }
      for (let i = 0; i < names.length; i += LIST_STAT_BATCH) {
        signal?.throwIfAborted();
        const batch = names.slice(i, i + LIST_STAT_BATCH);
        const sizes = await Promise.all(batch.map((name) => this.sizeOrGone(join(dir, name))));
        for (let j = 0; j < batch.length; j++) {
          const size = sizes[j];
          if (size !== undefined) yield { name: batch[j]!, size };
        }
      }
    }
  }

  /** Size of a listed file; undefined if it was removed since the directory was read. */
  private async sizeOrGone(path: string): Promise<number | undefined> {
    try {
      return (await stat(path)).size;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw classifyFsError(err, 'list', path);
    }
  }

  /** The `data/XX` directories that exist (none need to). */
  private async dataDirs(): Promise<string[]> {
    const data = join(this.root, 'data');
    try {
      return (await readdir(data, { withFileTypes: true }))
        .filter((d) => d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name))
        .map((d) => d.name)
        .sort()
        .map((d) => join(data, d));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw classifyFsError(err, 'list', data);
    }
  }

  async remove(h: Handle, options: BackendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const path = this.path(h);
    this.packFds.forget(path);
    try {
      await unlink(path);
    } catch (err) {
      throw classifyFsError(err, 'remove', this.what(h));
    }
  }

  async close(): Promise<void> {
    this.packFds.closeAll();
  }
}

/** Whether `dir` holds a repository: its `config` exists. Other failures (permissions) are thrown. */
export async function repositoryExists(dir: string, options: BackendOptions = {}): Promise<boolean> {
  try {
    await new LocalBackend(dir).stat(handle('config'), options);
    return true;
  } catch (err) {
    if (err instanceof NotFoundError) return false;
    throw err;
  }
}

/** A handle's name must stay one path component (no escaping the repository). */
function checkName(h: Handle): void {
  const n = h.name;
  if (n === '' || n === '.' || n === '..' || n.includes('/') || n.includes('\\') || n.includes('\0')) {
    throw new TypeError(`invalid file name ${JSON.stringify(n)} for ${h.type}`);
  }
}

function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`invalid range: offset ${offset}, length ${length}`);
  }
}
