/**
 * The one place decorators are stacked (restic's order): retry outside the connection cap, so a
 * backoff wait holds no connection; the per-call timeout inside it, so waiting for a free
 * connection does not count against the call.
 *
 *   retry( limit( timeout( [fault injection]( backend ) ) ) )
 *
 * Fault injection (tests only) sits next to the store, so a fault looks like the store's own; it
 * is also there (with no faults) when write observers are registered, to count the writes that
 * reached the store.
 */
import type { Backend } from '../index.js';
import { type FaultPlan, FaultInjectionBackend } from './fault-injection.js';
import { LimitBackend } from './limit.js';
import { hasWriteObservers } from './write-observers.js';
import { DEFAULT_RETRY, type RetryOptions, RetryBackend } from './retry.js';
import { TimeoutBackend } from './timeout.js';

export interface StackOptions {
  /** Calls in flight at most; no cap when absent (the caller bounds its own parallelism). */
  connections?: number;
  /** Per call; no deadline when absent or 0. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Faults to inject (the `-o fault.*` options, once allowed). */
  faults?: FaultPlan;
}

export function stackDecorators(backend: Backend, options: StackOptions = {}): Backend {
  let b = backend;
  // one layer tells the observers: a backend that already injects faults tells them itself
  if (options.faults || (hasWriteObservers() && !(b instanceof FaultInjectionBackend))) b = new FaultInjectionBackend(b, options.faults);
  if (options.timeoutMs) b = new TimeoutBackend(b, options.timeoutMs);
  if (options.connections !== undefined) b = new LimitBackend(b, options.connections);
  return new RetryBackend(b, { ...DEFAULT_RETRY, ...options.retry });
}
