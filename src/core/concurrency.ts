/** Small bounded-concurrency helpers (restic's errgroup with a fixed worker count). */

/**
 * Runs `fn` over every item of `items` (any iterable, also async) with at most `limit` calls in
 * flight. The first error stops new work and is thrown after running calls settle.
 */
export async function forEachConcurrent<T>(items: Iterable<T> | AsyncIterable<T>, limit: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const iterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (!failed) {
      signal?.throwIfAborted();
      const next = await iterator.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (err) {
        if (!failed) {
          failed = true;
          firstError = err;
        }
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failed) throw firstError;
}

/** Like forEachConcurrent, collecting results in input order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  await forEachConcurrent(
    items.map((item, i) => ({ item, i })),
    limit,
    async ({ item, i }) => {
      out[i] = await fn(item, i);
    },
  );
  return out;
}
