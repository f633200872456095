/**
 * Caps the calls in flight on a backend (restic's semaphore backend, `-o connections=N`).
 * A list holds a slot only while it waits for its next entry, so a caller that loads files
 * while listing cannot deadlock the pool.
 */
import { type Backend, type BackendOptions, type FileInfo, type FileType, type Handle, loadRangeInto, type FileSource, saveFromFile } from '../index.js';
import { BackendDecorator } from './backend-decorator.js';

/** A counting semaphore whose waiters can be aborted. */
export class Semaphore {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`connections must be a positive integer, got ${size}`);
    this.free = size;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = this.waiters.indexOf(wake);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
      };
      this.waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

export class LimitBackend extends BackendDecorator implements Backend {
  private readonly sem: Semaphore;

  constructor(
    inner: Backend,
    private readonly limit: number,
  ) {
    super(inner);
    this.sem = new Semaphore(limit);
  }

  override get connections(): number {
    return this.limit;
  }

  create(options: BackendOptions = {}): Promise<void> {
    return this.sem.run(() => this.inner.create(options), options.signal);
  }
  save(h: Handle, data: Uint8Array, options: BackendOptions = {}): Promise<void> {
    return this.sem.run(() => this.inner.save(h, data, options), options.signal);
  }
  saveFrom(h: Handle, source: FileSource, options: BackendOptions = {}): Promise<void> {
    return this.sem.run(() => saveFromFile(this.inner, h, source, options), options.signal);
  }
  load(h: Handle, offset?: number, length?: number, options: BackendOptions = {}): Promise<Buffer> {
    return this.sem.run(() => this.inner.load(h, offset, length, options), options.signal);
  }
  loadInto(h: Handle, offset: number, target: Uint8Array, options: BackendOptions = {}): Promise<void> {
    return this.sem.run(() => loadRangeInto(this.inner, h, offset, target, options), options.signal);
  }
  stat(h: Handle, options: BackendOptions = {}): Promise<FileInfo> {
    return this.sem.run(() => this.inner.stat(h, options), options.signal);
  }
  remove(h: Handle, options: BackendOptions = {}): Promise<void> {
    return this.sem.run(() => this.inner.remove(h, options), options.signal);
  }

  async *list(type: FileType, options: BackendOptions = {}): AsyncIterable<FileInfo> {
    const it = this.inner.list(type, options)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await this.sem.run(() => it.next(), options.signal);
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await it.return?.();
    }
  }
}
