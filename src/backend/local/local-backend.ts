/**
 * restic's local layout in a directory (spec 2.1, 12.1): `config`, `keys/`, `locks/`,
 * `snapshots/`, `index/`, `data/XX/<id>`. Saves are atomic (exclusive temporary file in the
 * target directory, fsync, rename, fsync of the directory) and files are made read-only like
 * restic's. An existing name is never overwritten with different bytes.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BackendError, LifeboatError, NotFoundError, errnoCode, isId } from '../../core/index.js';
import { type Backend, type BackendOptions, FILE_TYPES, type FileInfo, type FileType, type Handle, describeHandle } from '../backend.js';

/** Ranged reads up to this size use synchronous calls (see loadSmall). */
const SYNC_READ_LIMIT = 256 * 1024;

const TRANSIENT = new Set(['EIO', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR']);

export class LocalBackend implements Backend {
  readonly connections = 2;
  readonly strongListing = true;

  constructor(readonly root: string) {}

  get location(): string {
    return this.root;
  }

  private dirOf(h: Handle): string {
    if (h.type === 'config') return this.root;
    if (h.type === 'data') return join(this.root, 'data', h.name.slice(0, 2));
    return join(this.root, h.type);
  }

  path(h: Handle): string {
    return h.type === 'config' ? join(this.root, 'config') : join(this.dirOf(h), h.name);
  }

  private classify(err: unknown, h: Handle | string, op: string): Error {
    const code = errnoCode(err);
    const what = typeof h === 'string' ? h : `${describeHandle(h)} in ${this.root}`;
    if (code === 'ENOENT') return new NotFoundError(`${what} does not exist`, { cause: err });
    return new BackendError(`${op} ${what} failed: ${(err as Error).message}`, {
      cause: err,
      transient: code !== undefined && TRANSIENT.has(code),
      hint: code === 'EACCES' || code === 'EPERM' ? 'check the permissions of the repository directory' : code === 'ENOSPC' ? 'free disk space' : undefined,
    });
  }

  async create(options: BackendOptions = {}): Promise<void> {
    try {
      await stat(join(this.root, 'config'));
      throw new LifeboatError('E_REPO_EXISTS', `a repository already exists at ${this.root}`);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    try {
      for (const t of FILE_TYPES) if (t !== 'config') await mkdir(join(this.root, t), { recursive: true, mode: 0o700 });
      for (let i = 0; i < 256; i++) {
        options.signal?.throwIfAborted();
        await mkdir(join(this.root, 'data', i.toString(16).padStart(2, '0')), { recursive: true, mode: 0o700 });
      }
    } catch (err) {
      throw this.classify(err, this.root, 'create');
    }
  }

  async save(h: Handle, data: Uint8Array, options: BackendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const dir = this.dirOf(h);
    const final = this.path(h);
    const tmp = `${final}-tmp-${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        let off = 0;
        while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (await this.existsWith(final, data, h)) {
        await unlink(tmp);
        return;
      }
      await chmod(tmp, 0o400);
      await rename(tmp, final);
      const dh = await open(dir, constants.O_RDONLY);
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    } catch (err) {
      await rm(tmp, { force: true });
      if (err instanceof LifeboatError) throw err;
      throw this.classify(err, h, 'save');
    }
  }

  /** True if `final` exists with exactly `data`; throws if it exists with other bytes. */
  private async existsWith(final: string, data: Uint8Array, h: Handle): Promise<boolean> {
    let existing: Buffer;
    try {
      const fh = await open(final, 'r');
      try {
        existing = await fh.readFile();
      } finally {
        await fh.close();
      }
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return false;
      throw err;
    }
    if (existing.equals(data)) return true;
    throw new BackendError(`${describeHandle(h)} in ${this.root} already exists with different content: refusing to overwrite it`, {
      hint: 'run `lifeboat check`: the repository may be damaged',
    });
  }

  async load(h: Handle, offset = 0, length = 0, options: BackendOptions = {}): Promise<Buffer> {
    options.signal?.throwIfAborted();
    if (length > 0 && length <= SYNC_READ_LIMIT) return this.loadSmall(h, offset, length);
    let fh;
    try {
      fh = await open(this.path(h), 'r');
    } catch (err) {
      throw this.classify(err, h, 'open');
    }
    try {
      const size = length > 0 ? length : (await fh.stat()).size - offset;
      if (size < 0) throw new BackendError(`${describeHandle(h)} in ${this.root} is shorter than offset ${offset} (truncated?)`);
      const buf = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const { bytesRead } = await fh.read(buf, got, size - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got < size) throw this.truncated(h, size, offset, got);
      return buf;
    } catch (err) {
      if (err instanceof LifeboatError) throw err;
      throw this.classify(err, h, 'read');
    } finally {
      await fh.close();
    }
  }

  private truncated(h: Handle, wanted: number, offset: number, got: number): BackendError {
    return new BackendError(`${describeHandle(h)} in ${this.root}: wanted ${wanted} bytes at offset ${offset}, the file ends after ${offset + got} (truncated?)`, {
      hint: 'run `lifeboat check`: the file is damaged',
    });
  }

  /**
   * Small ranged reads (tree blobs, single blobs) with synchronous calls: from the page cache they
   * take microseconds, while the promise round trips of fs/promises cost far more.
   */
  private loadSmall(h: Handle, offset: number, length: number): Buffer {
    let fd: number;
    try {
      fd = openSync(this.path(h), 'r');
    } catch (err) {
      throw this.classify(err, h, 'open');
    }
    try {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      if (got < length) throw this.truncated(h, length, offset, got);
      return buf;
    } catch (err) {
      if (err instanceof LifeboatError) throw err;
      throw this.classify(err, h, 'read');
    } finally {
      closeSync(fd);
    }
  }

  async stat(h: Handle): Promise<FileInfo> {
    try {
      const st = await stat(this.path(h));
      return { name: h.name, size: st.size };
    } catch (err) {
      throw this.classify(err, h, 'stat');
    }
  }

  async *list(type: FileType, options: BackendOptions = {}): AsyncIterable<FileInfo> {
    const dirs = type === 'data' ? await this.dataDirs() : [join(this.root, type)];
    for (const dir of dirs) {
      options.signal?.throwIfAborted();
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue;
        throw this.classify(err, dir, 'list');
      }
      for (const name of names) {
        if (!isId(name)) continue;
        try {
          yield { name, size: (await stat(join(dir, name))).size };
        } catch (err) {
          if (errnoCode(err) !== 'ENOENT') throw this.classify(err, join(dir, name), 'stat');
        }
      }
    }
  }

  private async dataDirs(): Promise<string[]> {
    try {
      return (await readdir(join(this.root, 'data')))
        .filter((d) => /^[0-9a-f]{2}$/.test(d))
        .sort()
        .map((d) => join(this.root, 'data', d));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw this.classify(err, join(this.root, 'data'), 'list');
    }
  }

  async remove(h: Handle): Promise<void> {
    try {
      await unlink(this.path(h));
    } catch (err) {
      throw this.classify(err, h, 'remove');
    }
  }

  async close(): Promise<void> {}
}
