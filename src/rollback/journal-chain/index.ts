/**
 * @module rollback/journal-chain
 * The tamper-evident record of what was done with restore points: point created, proof run,
 * point released, rollback plan approved, rollback step applied. Each record holds the SHA-256
 * of the records before it, so removing, reordering or editing one breaks the chain at a place
 * `verify` names. Stored by app/journal.ts as one small pinned snapshot per record (encrypted
 * like every other snapshot; `restic check` accepts the repository).
 * May import: core.
 */
export * from './record.js';
export * from './verify.js';
