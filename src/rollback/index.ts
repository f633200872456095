/**
 * @module rollback
 * Restore points and rollback, below the use-cases: the plan file, the point manifest and its
 * tags, the proof (structure check, restore drill), what changed in the live filesystem since a
 * snapshot, the rollback plan and its journal, and putting accounts back on their pools (LDAP
 * modify guarded by the value the plan saw; Skype for Business Move-CsUser scripts).
 * May import: engine, repository, inventory, platform, native, core.
 */
export * from './plan-file.js';
export * from './notify-config.js';
export * from './manifest.js';
export * from './proof.js';
export * from './file-changes.js';
export * from './account-moves.js';
export * from './ldap-rehome.js';
export * from './sfb-script.js';
export * from './rollback-plan.js';
export * from './journal.js';
export * from './journal-chain/index.js';
export * from './readiness/index.js';
export * from './ancestor-metadata.js';
export * from './apply-step.js';
