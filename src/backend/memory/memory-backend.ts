/** A Map-based backend with the contract's semantics, for unit tests. */
import { BackendError, LifeboatError, NotFoundError, isId } from '../../core/index.js';
import { type Backend, type FileInfo, type FileType, type Handle, describeHandle } from '../backend.js';

export class MemoryBackend implements Backend {
  readonly location = 'memory:';
  readonly connections = 4;
  readonly strongListing = true;
  private readonly files = new Map<string, Buffer>();

  private key(h: Handle): string {
    return h.type === 'config' ? 'config' : `${h.type}/${h.name}`;
  }

  async create(): Promise<void> {
    if (this.files.has('config')) throw new LifeboatError('E_REPO_EXISTS', 'config already exists in memory backend');
  }

  async save(h: Handle, data: Uint8Array): Promise<void> {
    const k = this.key(h);
    const existing = this.files.get(k);
    if (existing) {
      if (existing.equals(data)) return;
      throw new BackendError(`${describeHandle(h)} already exists with different content`);
    }
    this.files.set(k, Buffer.from(data));
  }

  async load(h: Handle, offset = 0, length = 0): Promise<Buffer> {
    const f = this.files.get(this.key(h));
    if (!f) throw new NotFoundError(`${describeHandle(h)} does not exist in ${this.location}`);
    const end = length > 0 ? offset + length : f.length;
    if (end > f.length || offset > f.length) throw new BackendError(`${describeHandle(h)}: read past the end (file has ${f.length} bytes)`);
    return Buffer.from(f.subarray(offset, end));
  }

  async stat(h: Handle): Promise<FileInfo> {
    const f = this.files.get(this.key(h));
    if (!f) throw new NotFoundError(`${describeHandle(h)} does not exist in ${this.location}`);
    return { name: h.name, size: f.length };
  }

  async *list(type: FileType): AsyncIterable<FileInfo> {
    for (const [k, v] of this.files) {
      const slash = k.indexOf('/');
      if (slash < 0 || k.slice(0, slash) !== type) continue;
      const name = k.slice(slash + 1);
      if (isId(name)) yield { name, size: v.length };
    }
  }

  async remove(h: Handle): Promise<void> {
    if (!this.files.delete(this.key(h))) throw new NotFoundError(`${describeHandle(h)} does not exist in ${this.location}`);
  }

  async close(): Promise<void> {}
}
