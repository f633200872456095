/**
 * @module engine/filter
 * Path patterns for --include/--exclude (restore) and backup excludes. May import core.
 */
export * from './path-filter.js';
export * from './path-set.js';
export * from './pattern-syntax.js';
