/**
 * @module repository/chunker
 * restic's Rabin content-defined chunker and its polynomial arithmetic. May import: core.
 */
export * from './chunker.js';
export * from './polynomial.js';
