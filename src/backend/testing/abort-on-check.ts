/** Aborting an operation between two of its steps, to test what an interruption leaves behind. */

/**
 * A signal that aborts on the `k`-th `throwIfAborted()` check made on it (1-based), so an
 * operation stops between any two of its steps. `fired()` tells whether it got that far: once a
 * loop over k sees it did not fire, every step has been covered.
 */
export function abortOnCheck(k: number): { signal: AbortSignal; fired: () => boolean } {
  const ac = new AbortController();
  const signal = ac.signal;
  const check = signal.throwIfAborted.bind(signal);
  let checks = 0;
  signal.throwIfAborted = (): void => {
    if (++checks === k) ac.abort();
    check();
  };
  return { signal, fired: () => signal.aborted };
}

/** True for the error `signal.throwIfAborted()` throws after `abort()` without a reason. */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}
