/**
 * Files the front ends write for the user (inventory documents and reports, the console's token):
 * through the platform's one atomic, durable writer, as the use-cases write theirs.
 */
export { type AtomicWriteData, type AtomicWriteOptions, writeFileAtomic } from '../platform/fs/index.js';
