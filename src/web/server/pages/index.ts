/**
 * @module web/server/pages
 * The console's pages, rendered on the server as HTML strings from what the use-cases return:
 * overview and restore points, rollback plan, diff, inventory, snapshots and trees, jobs.
 * Pure functions of their data (no I/O). May import: app (types and pure helpers), core, the
 * server's layout.
 */
export * from './diff.js';
export * from './inventory.js';
export * from './jobs.js';
export * from './points.js';
export * from './rollback.js';
export * from './snapshots.js';
