/**
 * Bounds each call (each step of a list) by a deadline. A call that overruns is aborted through
 * its signal and fails with a transient BackendError, so the retry layer above tries again —
 * a stalled connection costs one timeout, not the whole run. The caller's own abort still wins.
 */
import { BackendError } from '../../core/index.js';
import { type Backend, type BackendOptions, type FileInfo, type FileType, type Handle, describeHandle, loadRangeInto, type FileSource, saveFromFile } from '../index.js';
import { BackendDecorator } from './backend-decorator.js';

export class TimeoutBackend extends BackendDecorator implements Backend {
  constructor(
    inner: Backend,
    readonly timeoutMs: number,
  ) {
    super(inner);
  }

  private async bounded<T>(op: string, what: string, options: BackendOptions, fn: (o: BackendOptions) => Promise<T>): Promise<T> {
    const outer = options.signal;
    outer?.throwIfAborted();
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(
          new BackendError(`${op} ${what} in ${this.location} timed out after ${formatMs(this.timeoutMs)}`, {
            transient: true,
            hint: 'a slow or stalled connection: `-o timeout=DURATION` raises the limit',
          }),
        ),
      this.timeoutMs,
    );
    const signal = outer ? AbortSignal.any([outer, deadline.signal]) : deadline.signal;
    try {
      return await fn({ ...options, signal });
    } catch (err) {
      if (deadline.signal.aborted && !outer?.aborted) throw deadline.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  create(options: BackendOptions = {}): Promise<void> {
    return this.bounded('create', 'repository', options, (o) => this.inner.create(o));
  }
  save(h: Handle, data: Uint8Array, options: BackendOptions = {}): Promise<void> {
    return this.bounded('save', describeHandle(h), options, (o) => this.inner.save(h, data, o));
  }
  saveFrom(h: Handle, source: FileSource, options: BackendOptions = {}): Promise<void> {
    return this.bounded('save', describeHandle(h), options, (o) => saveFromFile(this.inner, h, source, o));
  }
  load(h: Handle, offset?: number, length?: number, options: BackendOptions = {}): Promise<Buffer> {
    return this.bounded('load', describeHandle(h), options, (o) => this.inner.load(h, offset, length, o));
  }
  loadInto(h: Handle, offset: number, target: Uint8Array, options: BackendOptions = {}): Promise<void> {
    return this.bounded('load', describeHandle(h), options, (o) => loadRangeInto(this.inner, h, offset, target, o));
  }
  stat(h: Handle, options: BackendOptions = {}): Promise<FileInfo> {
    return this.bounded('stat', describeHandle(h), options, (o) => this.inner.stat(h, o));
  }
  remove(h: Handle, options: BackendOptions = {}): Promise<void> {
    return this.bounded('remove', describeHandle(h), options, (o) => this.inner.remove(h, o));
  }

  /** The whole list runs under one signal; each step has its own deadline. */
  async *list(type: FileType, options: BackendOptions = {}): AsyncIterable<FileInfo> {
    const outer = options.signal;
    const step = { controller: new AbortController() };
    const signal = outer ? AbortSignal.any([outer, step.controller.signal]) : step.controller.signal;
    const it = this.inner.list(type, { ...options, signal })[Symbol.asyncIterator]();
    try {
      for (;;) {
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          step.controller.abort(new BackendError(`list ${type}/ in ${this.location} timed out after ${formatMs(this.timeoutMs)}`, { transient: true }));
        }, this.timeoutMs);
        let next: IteratorResult<FileInfo>;
        try {
          next = await it.next();
        } catch (err) {
          if (timedOut && !outer?.aborted) throw step.controller.signal.reason;
          throw err;
        } finally {
          clearTimeout(timer);
        }
        if (next.done) return;
        yield next.value;
      }
    } finally {
      if (!step.controller.signal.aborted) await it.return?.();
    }
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
