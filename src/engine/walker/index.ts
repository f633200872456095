/**
 * @module engine/walker
 * Tree walks over a snapshot (ls, dump, restore planning, diff; trees loaded ahead of a walk in
 * tree-prefetch.ts). May import repository ports and model, core.
 */
export * from './walk.js';
export * from './diff.js';
export * from './rewrite-tree.js';
export * from './tree-prefetch.js';
