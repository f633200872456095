/**
 * @module backend/decorators
 * Wrappers that keep the Backend contract and add one concern each: retries of transient errors
 * (exponential backoff, jitter), a cap on calls in flight (`-o connections=N`), per-call
 * timeouts, and fault injection for tests. `stackDecorators` composes them in restic's order.
 * May import: backend (its index.ts), core.
 */
export { DEFAULT_RETRY, type RetryOptions, RetryBackend, isTransient } from './retry.js';
export { LimitBackend, Semaphore } from './limit.js';
export { TimeoutBackend } from './timeout.js';
export { FAULT_OPTION_NAMES, type Fault, type FaultPlan, FaultInjectionBackend, type InjectedErrno, type Operation, TEST_FAULTS_VAR, TEST_KILL_AFTER_WRITE_VAR, faultPlanFromOptions, killAfterCalls, liveWriteKillHook } from './fault-injection.js';
export { type StackOptions, stackDecorators } from './stack.js';
