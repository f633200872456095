/**
 * @module repository/pack
 * Packs and the blobs in them, as bytes: the header format (entries at the end, encrypted),
 * the one TypeScript writer (PackFileWriter, into an unlinked temporary file, for backups and
 * prune's repacking; the native file lane is the other writer), and pure functions that open blobs and verify packs without I/O
 * (usable from worker threads with nothing but the key). May import: crypto, compression, core.
 */
export * from './header.js';
export * from './blob-crypto.js';
export * from './pack-file.js';
export * from './verify-pack.js';
export { type CompressionMode, blobCompressionLevel } from '../compression.js';
export * from './open-blobs.js';
