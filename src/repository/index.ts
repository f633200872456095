/**
 * @module repository
 * The restic repository format over a Backend: keys, config, encrypted files, packs, the master
 * index, snapshots. Engines use `ports.ts` and `model/`; app/ builds the concrete Repository.
 * May import: backend (index.ts only), native, core.
 */
export * from './repository.js';
export * from './snapshots.js';
export * from './compression.js';
export * from './index/master-index.js';
export * from './index/blob-set.js';
export * from './pack/header.js';
export type * from './ports.js';
export * as model from './model/index.js';
export * from './writer.js';
export * from './init.js';
export * from './keys.js';
export * from './lock.js';
export * from './index/compact-pack.js';
export * from './index/pack-blobs.js';
