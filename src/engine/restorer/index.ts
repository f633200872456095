/**
 * @module engine/restorer
 * Restores a tree into a directory, planned by pack (see restorer.ts for the algorithm).
 * May import repository ports and model, engine/walker, engine/filter, native, core.
 */
export * from './restorer.js';
export { isRestoreTemporaryName } from './file-writer.js';
