/**
 * @module repository/index
 * The in-memory side of restic's index files: the master index (typed-array columns sorted by
 * blob ID, 46 bytes per blob: ID → pack, offset, lengths), CompactPack, one pack's entries in a
 * form worker threads can receive, PackBlobs, the master index grouped by pack (check), and
 * BlobSet, a set of blobs (33 bytes a slot) for walks over every snapshot. Decoding and
 * encoding the JSON files lives in model/. May import: pack (header types), model, core.
 */
export * from './master-index.js';
export * from './compact-pack.js';
export * from './blob-set.js';
export * from './pack-blobs.js';
