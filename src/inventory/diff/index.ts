/**
 * @module inventory/diff
 * Pure comparison of two inventory documents into typed changes. May import: inventory/model, core.
 */
export * from './diff.js';
