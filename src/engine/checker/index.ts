/**
 * @module engine/checker
 * Repository verification (restic check): typed findings, never exceptions for damage.
 * May import repository ports and model, core.
 */
export * from './checker.js';
