/**
 * A Map-based backend with the local backend's semantics (the contract suite runs against both),
 * for unit tests elsewhere: no overwrites with different bytes, NotFoundError for missing files,
 * "truncated" BackendErrors for short ranges, non-ID names kept but never listed, copies in and
 * out (callers may reuse their buffers), AbortSignal checked on entry.
 */
import { BackendError, LifeboatError, NotFoundError, isId } from '../../core/index.js';
import { type Backend, type BackendOptions, type FileInfo, type FileType, type Handle, describeHandle } from '../index.js';

let instances = 0;

export class MemoryBackend implements Backend {
  readonly location: string;
  readonly connections = 4;
  readonly strongListing = true;
  private readonly files = new Map<FileType, Map<string, Buffer>>();

  constructor() {
    instances++;
    this.location = `memory:${instances}`;
  }

  private folder(h: Handle): Map<string, Buffer> {
    checkName(h);
    let m = this.files.get(h.type);
    if (!m) {
      m = new Map();
      this.files.set(h.type, m);
    }
    return m;
  }

  /** Config lives under the empty name: the handle's name is ignored for it. */
  private nameOf(h: Handle): string {
    return h.type === 'config' ? '' : h.name;
  }

  private get(h: Handle): Buffer {
    const f = this.folder(h).get(this.nameOf(h));
    if (!f) throw new NotFoundError(`${describeHandle(h)} in ${this.location} does not exist`);
    return f;
  }

  async create(options: BackendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    if (this.files.get('config')?.has('')) {
      throw new LifeboatError('E_REPO_EXISTS', `a repository already exists at ${this.location}`, {
        hint: 'use it, or choose another location for a new one',
      });
    }
  }

  async save(h: Handle, data: Uint8Array, options: BackendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const folder = this.folder(h);
    const name = this.nameOf(h);
    const existing = folder.get(name);
    if (existing) {
      if (existing.equals(data)) return;
      throw new BackendError(`${describeHandle(h)} in ${this.location} already exists with different content: refusing to overwrite it`, {
        hint: 'run `lifeboat check`: the repository may be damaged',
      });
    }
    folder.set(name, Buffer.from(data));
  }

  async load(h: Handle, offset = 0, length = 0, options: BackendOptions = {}): Promise<Buffer> {
    return Buffer.from(this.range(h, offset, length, options));
  }

  async loadInto(h: Handle, offset: number, target: Uint8Array, options: BackendOptions = {}): Promise<void> {
    if (target.length === 0) throw new RangeError('loadInto: the target is empty');
    target.set(this.range(h, offset, target.length, options));
  }

  /** The stored bytes of a range (a view: callers copy). */
  private range(h: Handle, offset: number, length: number, options: BackendOptions): Buffer {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`invalid range: offset ${offset}, length ${length}`);
    }
    options.signal?.throwIfAborted();
    const f = this.get(h);
    const end = length > 0 ? offset + length : f.length;
    if (offset > f.length || end > f.length) {
      throw new BackendError(`${describeHandle(h)} in ${this.location} is truncated: wanted ${length > 0 ? `${length} bytes` : 'the rest'} from offset ${offset}, the file ends at ${f.length}`, {
        hint: 'run `lifeboat check`: the file is damaged',
      });
    }
    return f.subarray(offset, end);
  }

  async stat(h: Handle, options: BackendOptions = {}): Promise<FileInfo> {
    options.signal?.throwIfAborted();
    return { name: h.name, size: this.get(h).length };
  }

  async *list(type: FileType, options: BackendOptions = {}): AsyncIterable<FileInfo> {
    if (type === 'config') throw new TypeError('list: config is a single file, not a type to list');
    options.signal?.throwIfAborted();
    // a snapshot of the names: files saved or removed while listing may or may not be seen
    const entries = [...(this.files.get(type) ?? [])];
    for (const [name, data] of entries) {
      options.signal?.throwIfAborted();
      if (isId(name)) yield { name, size: data.length };
    }
  }

  async remove(h: Handle, options: BackendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    if (!this.folder(h).delete(this.nameOf(h))) throw new NotFoundError(`${describeHandle(h)} in ${this.location} does not exist`);
  }

  async close(): Promise<void> {}
}

/** The same names the local backend accepts (one path component), so tests catch bad names early. */
function checkName(h: Handle): void {
  if (h.type === 'config') return;
  const n = h.name;
  if (n === '' || n === '.' || n === '..' || n.includes('/') || n.includes('\\') || n.includes('\0')) {
    throw new TypeError(`invalid file name ${JSON.stringify(n)} for ${h.type}`);
  }
}
