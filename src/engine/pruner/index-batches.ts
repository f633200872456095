/**
 * The index files prune and repair index write: the packs cut into runs of at most
 * REWRITTEN_INDEX_MAX_BLOBS blobs, one file each. restic fills a file up to 50,000 blobs; smaller
 * files hold less at once while one is encoded, compressed and sealed, and index files load the
 * same whatever their number (prune of the 2 GiB dataset's repository, 63,000 blobs: peak RSS 99
 * against 104–105 MiB in two runs of 6 pairs, 0.964 and 1.031 of the time).
 */
export const REWRITTEN_INDEX_MAX_BLOBS = 20_000;

/** `packs` in order, in runs of at most REWRITTEN_INDEX_MAX_BLOBS blobs (a larger pack alone). */
export function* indexBatches<P>(packs: Iterable<P>, blobsIn: (p: P) => number): Generator<P[]> {
  let batch: P[] = [];
  let count = 0;
  for (const p of packs) {
    const n = blobsIn(p);
    if (batch.length > 0 && count + n > REWRITTEN_INDEX_MAX_BLOBS) {
      yield batch;
      batch = [];
      count = 0;
    }
    batch.push(p);
    count += n;
  }
  if (batch.length > 0) yield batch;
}
