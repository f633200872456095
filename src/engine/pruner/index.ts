/**
 * @module engine/pruner
 * Forget policies (and, later, prune). May import repository ports and model, core.
 */
export * from './forget-policy.js';
export * from './prune.js';
export * from './repair-index.js';
