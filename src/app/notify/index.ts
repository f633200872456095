/**
 * @module app/notify
 * Notifications: the event rendered for each target (JSON, Teams MessageCard, Slack blocks,
 * e-mail text + HTML) and delivered with a timeout and bounded retries. A failed delivery is
 * reported to the caller, never thrown: it must not fail the operation it reports on.
 * May import what app/ may (rollback for the plan file's types, platform/exec, core).
 */
export * from './formats.js';
export { type DeliveryResult, deliver, describeTarget, targetWants, DEFAULT_RETRIES, DEFAULT_RETRY_DELAY_MS, DEFAULT_TIMEOUT_MS } from './delivery.js';
export * from './notifier.js';
