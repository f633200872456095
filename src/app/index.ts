/**
 * @module app
 * Use-cases, one file each: they take a repository (or a context to open one) and a request,
 * report progress through callbacks and return data. They never print.
 * May import everything below (rollback, engine, repository, backend, inventory, platform, core).
 */
export * from './wiring/index.js';
export * from './snapshot-ref.js';
export * from './snapshots.js';
export * from './ls.js';
export * from './restore.js';
export * from './dump.js';
export * from './cat.js';
export type { Repository, SnapshotEntry, SnapshotFilter } from '../repository/index.js';
export type { OverwriteMode, RestoreAction, RestoreProgress, RestoreSummary } from '../engine/restorer/index.js';
export type { WalkEntry } from '../engine/walker/index.js';
export * from './backup.js';
export * from './init.js';
export * from './version.js';
export type { ArchiveProgress, ArchiveStats } from '../engine/archiver/index.js';
export * from './check.js';
export type { CheckResult, Finding } from '../engine/checker/index.js';
export * from './locks.js';
export * from './keys.js';
export * from './forget.js';
export { parseDuration, type ForgetPolicy } from '../engine/pruner/index.js';
export * from './diff.js';
export * from './tag.js';
export * from './stats.js';
export * from './prune.js';
export * from './find.js';
export * from './repair.js';
export * from './rewrite.js';
export * from './repair-packs.js';
export type { SnapshotRewriteOutcome, SnapshotRewriteRequest, SnapshotRewriteResult } from './snapshot-rewrite.js';
export * from './copy.js';
export * from './point.js';
export * from './rollback.js';
export * from './system-restore.js';
export { type SystemLayout, describeLayout as describeSystemLayout } from '../system/index.js';
export * from './events.js';
export * from './metrics.js';
export * from './operations.js';
export { type DeliveryResult, notifyAll, describeTarget, webhookBody, emailContent } from './notify/index.js';
export * from './journal.js';
export * from './rollback-approve.js';
export * from './ready.js';
export { type ReadinessReport, renderReadiness, readinessIsRed } from '../rollback/index.js';
export {
  type NotifyTarget,
  type PlanFile,
  type PointManifest,
  type RollbackPlan,
  type RollbackStep,
  type JournalRecord,
  type JournalFinding,
  type JournalCitation,
  type JournalVerification,
  type StoredJournalRecord,
  journalCitation,
  loadPlanFile,
  renderPlan,
  rollbackPlanDigest,
  defaultStateDir,
  planIsEmpty,
  fileStepCounts,
} from '../rollback/index.js';
export * from './console-queries.js';
export * from './rollback-approval.js';
export * from './schedule/index.js';
