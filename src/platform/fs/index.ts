/**
 * @module platform/fs
 * Files Lifeboat writes on the host, outside the repository: written atomically and durably
 * (writeFileAtomic). May import: core.
 */
export * from './atomic-write.js';
