/**
 * @module backend/decorators
 * Wrappers that keep the Backend contract and add one concern each: retries of transient errors
 * (exponential backoff, jitter), a cap on calls in flight (`-o connections=N`), per-call
 * timeouts, and fault injection for tests, which also tells the write observers (an extension
 * point a preloaded test module uses) of each write. `stackDecorators` composes them in restic's order.
 * May import: backend (its index.ts), core.
 */
export { DEFAULT_RETRY, type RetryOptions, RetryBackend, isTransient } from './retry.js';
export { LimitBackend, Semaphore } from './limit.js';
export { TimeoutBackend } from './timeout.js';
export { FAULT_OPTION_NAMES, type Fault, type FaultPlan, FaultInjectionBackend, type InjectedErrno, type Operation, faultPlanFromOptions } from './fault-injection.js';
export { type WriteKind, type WriteObserver, addWriteObserver, allowFaultOptions, areFaultOptionsAllowed, hasWriteObservers, liveWriteNotifier, notifyWrite } from './write-observers.js';
export { type StackOptions, stackDecorators } from './stack.js';
