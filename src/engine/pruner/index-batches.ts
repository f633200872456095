/**
 * The index files prune and repair index write: the packs cut into runs of at most
 * REWRITTEN_INDEX_MAX_BLOBS blobs, one file each. restic fills a file up to 50,000 blobs; smaller
 * files hold less at once while one is encoded, compressed and sealed (each step a new buffer of
 * about the file's size), and index files load the same whatever their number. Prune of the 2 GiB
 * dataset's repository (63,000 blobs, one tree pack repacked), 8 pairs: peak RSS median 88 MiB
 * with 8,000 blobs a file against 99 with 20,000, 0.991 of the time; with every partly used pack
 * repacked (`--max-unused 0`), 4 pairs: 101 against 111 MiB, 1.007 of the time.
 */
export const REWRITTEN_INDEX_MAX_BLOBS = 8_000;

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
