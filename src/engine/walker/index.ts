/**
 * @module engine/walker
 * Tree walks over a snapshot (ls, dump, restore planning, diff). May import repository ports and
 * model, core.
 */
export * from './walk.js';
export * from './diff.js';
export * from './rewrite-tree.js';
