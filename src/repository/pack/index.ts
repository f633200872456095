/**
 * @module repository/pack
 * Packs and the blobs in them, as bytes: the header format (entries at the end, encrypted),
 * the writers (PackBuilder in memory for prune's repacking, PackFileWriter into an unlinked
 * temporary file for backups), and pure functions that open blobs and verify packs without I/O
 * (usable from worker threads with nothing but the key). May import: crypto, compression, core.
 */
export * from './header.js';
export * from './blob-crypto.js';
export * from './pack-builder.js';
export * from './pack-file.js';
export * from './verify-pack.js';
