/**
 * Retries transient failures with exponential backoff and jitter (restic's RetryBackend):
 *
 *   attempt 0..retries: call; on a BackendError with `transient` wait
 *     delay = min(maxDelay, baseDelay · 2^attempt), slept as delay/2 + random(delay/2)
 *   and try again. Anything else — NotFoundError, permanent errors, aborts — is thrown at once.
 *   After the last attempt the error says how many attempts were made.
 *
 * Saves are safe to repeat: the body is a buffer, and a save whose answer was lost finds the
 * identical file on the next attempt (the contract makes that a success). A list that fails
 * midway is started again and skips the names it already gave.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BackendError, NotFoundError } from '../../core/index.js';
import { type Backend, type BackendOptions, type FileInfo, type FileType, type Handle, loadRangeInto, type FileSource, saveFromFile } from '../index.js';
import { BackendDecorator } from './backend-decorator.js';

export interface RetryOptions {
  /** Attempts after the first (0 = no retries). */
  retries: number;
  /** First delay; doubles each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Told before each wait (for logs and tests). */
  onRetry?: (op: string, err: BackendError, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 6, baseDelayMs: 500, maxDelayMs: 30_000 };

export function isTransient(err: unknown): err is BackendError {
  return err instanceof BackendError && err.transient;
}

export class RetryBackend extends BackendDecorator implements Backend {
  constructor(
    inner: Backend,
    private readonly options: RetryOptions = DEFAULT_RETRY,
  ) {
    super(inner);
  }

  /** Runs `fn` until it succeeds, fails for good, or the attempts are used up. */
  private async retry<T>(op: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        signal?.throwIfAborted();
        if (!isTransient(err)) throw err;
        if (attempt >= this.options.retries) throw gaveUp(err, attempt + 1);
        await this.wait(op, err, attempt, signal);
      }
    }
  }

  private async wait(op: string, err: BackendError, attempt: number, signal: AbortSignal | undefined): Promise<void> {
    const cap = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** attempt);
    const delay = Math.round(cap / 2 + Math.random() * (cap / 2));
    this.options.onRetry?.(op, err, attempt + 1, delay);
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      signal?.throwIfAborted();
    }
  }

  create(options: BackendOptions = {}): Promise<void> {
    return this.retry('create', options.signal, () => this.inner.create(options));
  }
  save(h: Handle, data: Uint8Array, options: BackendOptions = {}): Promise<void> {
    return this.retry('save', options.signal, () => this.inner.save(h, data, options));
  }
  saveFrom(h: Handle, source: FileSource, options: BackendOptions = {}): Promise<void> {
    return this.retry('save', options.signal, () => saveFromFile(this.inner, h, source, options));
  }
  load(h: Handle, offset?: number, length?: number, options: BackendOptions = {}): Promise<Buffer> {
    return this.retry('load', options.signal, () => this.inner.load(h, offset, length, options));
  }
  /** Each attempt fills `target` from the start again. */
  loadInto(h: Handle, offset: number, target: Uint8Array, options: BackendOptions = {}): Promise<void> {
    return this.retry('load', options.signal, () => loadRangeInto(this.inner, h, offset, target, options));
  }
  stat(h: Handle, options: BackendOptions = {}): Promise<FileInfo> {
    return this.retry('stat', options.signal, () => this.inner.stat(h, options));
  }
  /** A file gone on a later attempt was removed by an earlier one whose answer was lost. */
  remove(h: Handle, options: BackendOptions = {}): Promise<void> {
    let attempts = 0;
    return this.retry('remove', options.signal, async () => {
      try {
        await this.inner.remove(h, options);
      } catch (err) {
        if (attempts > 0 && err instanceof NotFoundError) return;
        throw err;
      } finally {
        attempts++;
      }
    });
  }

  async *list(type: FileType, options: BackendOptions = {}): AsyncIterable<FileInfo> {
    const seen = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const f of this.inner.list(type, options)) {
          if (seen.has(f.name)) continue;
          seen.add(f.name);
          yield f;
        }
        return;
      } catch (err) {
        options.signal?.throwIfAborted();
        if (!isTransient(err)) throw err;
        if (attempt >= this.options.retries) throw gaveUp(err, attempt + 1);
        await this.wait('list', err, attempt, options.signal);
      }
    }
  }
}

function gaveUp(err: BackendError, attempts: number): BackendError {
  return new BackendError(`${err.message} (gave up after ${attempts} attempts)`, {
    cause: err,
    transient: true,
    hint: err.hint ?? 'check that the server is reachable and healthy; `-o retries=N` sets how often to try',
  });
}
