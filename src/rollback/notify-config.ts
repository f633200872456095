/**
 * The `notify:` section of the plan file: who hears about which event, and how.
 *
 *   notify:
 *     - on: [point.failed, gate.red, check.failed, rollback.applied, rollback.failed]
 *       webhook: https://contoso.webhook.office.com/...
 *       format: teams                         # json (default) | teams | slack
 *     - on: [point.created]
 *       email: { to: [ops@contoso.com], from: lifeboat@contoso.com, smtp: smtp://relay:25, startTLS: true }
 *     - on: [any]
 *       command: [/usr/local/bin/page-oncall]  # the event as JSON on stdin
 *
 * Every target may set `timeout` (one attempt), `retries` and `retryDelay` (first backoff wait,
 * doubled per attempt). The event names are the event model's (app/events.ts, docs/design/events.md).
 */
import { z } from 'zod';

/** Every event type Lifeboat emits; `any` in a target's `on:` matches them all. */
export const EVENT_TYPES = ['point.created', 'point.failed', 'gate.red', 'check.passed', 'check.failed', 'prune.done', 'prune.failed', 'rollback.applied', 'rollback.failed', 'notify.test'] as const;

export type EventType = (typeof EVENT_TYPES)[number];

const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)?$/, 'use a duration such as 500ms, 10s or 2m');
const commandLine = z.union([z.array(z.string().min(1)).min(1, 'give the program and its arguments'), z.string().min(1)]);
const address = z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'use an e-mail address such as ops@example.com');

const common = {
  on: z.array(z.enum([...EVENT_TYPES, 'any'])).min(1, 'list at least one event (or any)'),
  /** A name for messages ("webhook 2" otherwise). */
  name: z.string().min(1).optional(),
  timeout: duration.optional(),
  retries: z.number().int().min(0).max(10).optional(),
  retryDelay: duration.optional(),
};

const webhookTarget = z.strictObject({
  ...common,
  webhook: z.url({ protocol: /^https?$/, error: 'use an http:// or https:// URL' }),
  format: z.enum(['json', 'teams', 'slack']).optional(),
});

const emailTarget = z.strictObject({
  ...common,
  email: z.strictObject({
    to: z.array(address).min(1, 'list at least one recipient'),
    from: address,
    /** smtp://host:port (STARTTLS when offered, required with startTLS) or smtps://host:port (TLS from the start). */
    smtp: z.string().regex(/^smtps?:\/\/[^/@\s]+(:\d+)?\/?$/, 'use smtp://host:port or smtps://host:port, without credentials (give user and passwordFile)'),
    startTLS: z.boolean().optional(),
    user: z.string().min(1).optional(),
    /** File holding the SMTP password (kept out of the plan file and of every message). */
    passwordFile: z.string().min(1).optional(),
    /** CA certificate (PEM) for a relay with a private CA. */
    caFile: z.string().min(1).optional(),
    subjectPrefix: z.string().optional(),
  }),
});

const commandTarget = z.strictObject({ ...common, command: commandLine });

export const notifyConfigSchema = z.array(z.union([webhookTarget, emailTarget, commandTarget]));

export type WebhookTarget = z.infer<typeof webhookTarget>;
export type EmailTarget = z.infer<typeof emailTarget>;
export type CommandTarget = z.infer<typeof commandTarget>;
export type NotifyTarget = WebhookTarget | EmailTarget | CommandTarget;

/** Makes the target's file paths absolute against the plan file's directory. */
export function resolveNotifyPaths(targets: NotifyTarget[], abs: (p: string) => string): NotifyTarget[] {
  return targets.map((t) =>
    'email' in t ? { ...t, email: { ...t.email, ...(t.email.passwordFile ? { passwordFile: abs(t.email.passwordFile) } : {}), ...(t.email.caFile ? { caFile: abs(t.email.caFile) } : {}) } } : t,
  );
}
