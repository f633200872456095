/**
 * @module engine/pruner
 * Forget policies, prune (planPrune reads and decides, executePrune writes) and index repair.
 * May import repository ports, model and folder entry points, core.
 */
export * from './forget-policy.js';
export * from './prune.js';
export { type PrunePack, type PrunePlan, type PrunePlanOptions, describePrunePlan, planPrune } from './plan-prune.js';
export { type ExecutePruneOptions, executePrune } from './execute-prune.js';
export { DEFAULT_MAX_UNUSED, type MaxUnused, maxUnusedBytes } from './pack-selection.js';
export * from './repair-index.js';
