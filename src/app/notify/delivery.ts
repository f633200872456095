/**
 * Sending one event to one target, with a timeout per attempt and bounded retries with
 * exponential backoff. Messages name a target by its kind and host only: a webhook URL often
 * carries a token in its path, and the SMTP password never leaves the transport.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import nodemailer from 'nodemailer';
import { LifeboatError, errorMessage } from '../../core/index.js';
import { runCommand } from '../../platform/exec/index.js';
import { type NotifyTarget, commandArgv } from '../../rollback/index.js';
import type { LifeboatEvent } from '../events.js';
import { durationMs } from '../wiring/index.js';
import { emailContent, webhookBody } from './formats.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_DELAY_MS = 1_000;
const MAX_RETRY_DELAY_MS = 30_000;

/** A short, secret-free name for a target: `webhook hooks.slack.com (slack)`, `email relay:25`, `command page-oncall`. */
export function describeTarget(t: NotifyTarget, index: number): string {
  const name = t.name ? `${t.name}: ` : '';
  if ('webhook' in t) return `${name}webhook ${new URL(t.webhook).host} (${t.format ?? 'json'})`;
  if ('email' in t) return `${name}email via ${new URL(t.email.smtp).host} to ${t.email.to.join(', ')}`;
  const argv = commandArgv(t.command);
  return `${name}command ${typeof t.command === 'string' ? `#${index + 1}` : (argv[0] ?? '')}`;
}

/** Whether a target's `on:` list takes this event. */
export function targetWants(t: NotifyTarget, e: LifeboatEvent): boolean {
  return t.on.includes('any') || t.on.includes(e.type) || e.type === 'notify.test';
}

/** A failure another attempt will not fix (a 4xx answer, a refused login). */
class PermanentError extends LifeboatError {
  constructor(message: string) {
    super('E_NOTIFY', message);
  }
}

/**
 * POSTs JSON with node:http(s) and no keep-alive agent: a pooled socket would keep the process
 * alive for seconds after the last notification. The timeout covers the whole exchange.
 */
function postJson(url: URL, body: string, userAgent: string, timeoutMs: number): Promise<{ status: number; statusText: string; text: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, signal, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': userAgent } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 64 * 1024) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (err) => reject(signal.aborted ? signal.reason : err));
    req.end(body);
  });
}

async function postWebhook(t: Extract<NotifyTarget, { webhook: string }>, e: LifeboatEvent, timeoutMs: number): Promise<void> {
  const res = await postJson(new URL(t.webhook), JSON.stringify(webhookBody(e, t.format ?? 'json')), `lifeboat/${e.lifeboatVersion}`, timeoutMs);
  if (res.status >= 200 && res.status < 300) return;
  const what = `answered ${res.status} ${res.statusText}${res.text ? `: ${res.text.trim().slice(0, 200)}` : ''}`;
  if (res.status >= 300 && res.status < 400) throw new PermanentError(`${what} (redirects are not followed)`);
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new PermanentError(what);
  throw new LifeboatError('E_NOTIFY', what);
}

async function sendEmail(t: Extract<NotifyTarget, { email: unknown }>, e: LifeboatEvent, timeoutMs: number): Promise<void> {
  const cfg = t.email;
  const url = new URL(cfg.smtp);
  const secure = url.protocol === 'smtps:';
  const pass = cfg.passwordFile ? (await readFile(cfg.passwordFile, 'utf8')).trim() : undefined;
  const ca = cfg.caFile ? await readFile(cfg.caFile, 'utf8') : undefined;
  const transport = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 25,
    secure,
    requireTLS: !secure && cfg.startTLS === true,
    ...(cfg.user ? { auth: { user: cfg.user, pass: pass ?? '' } } : {}),
    ...(ca ? { tls: { ca } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const content = emailContent(e, cfg.subjectPrefix);
  try {
    await transport.sendMail({ from: cfg.from, to: cfg.to, subject: content.subject, text: content.text, html: content.html, headers: { 'X-Lifeboat-Event': e.type } });
  } catch (err) {
    const code = (err as { code?: string; responseCode?: number }).code;
    const response = (err as { responseCode?: number }).responseCode;
    if (code === 'EAUTH' || (response !== undefined && response >= 500)) throw new PermanentError(errorMessage(err));
    throw err;
  } finally {
    transport.close();
  }
}

async function runTarget(t: Extract<NotifyTarget, { command: unknown }>, e: LifeboatEvent, timeoutMs: number): Promise<void> {
  const [cmd, ...args] = commandArgv(t.command);
  const r = await runCommand(cmd!, args, { input: `${JSON.stringify(e)}\n`, timeoutMs, maxOutputBytes: 1 << 20 });
  if (r.code !== 0) throw new LifeboatError('E_NOTIFY', `exited with ${r.code ?? r.signal}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}` : ''}`);
}

export interface DeliveryResult {
  target: string;
  ok: boolean;
  attempts: number;
  /** The last attempt's problem. */
  error?: string;
}

/** Sends the event to the target; never throws: a failure is returned after the last attempt. */
export async function deliver(t: NotifyTarget, index: number, e: LifeboatEvent): Promise<DeliveryResult> {
  const target = describeTarget(t, index);
  const timeoutMs = t.timeout ? durationMs('timeout', t.timeout) : DEFAULT_TIMEOUT_MS;
  const retries = t.retries ?? DEFAULT_RETRIES;
  let delay = t.retryDelay ? durationMs('retryDelay', t.retryDelay) : DEFAULT_RETRY_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      if ('webhook' in t) await postWebhook(t, e, timeoutMs);
      else if ('email' in t) await sendEmail(t, e, timeoutMs);
      else await runTarget(t, e, timeoutMs);
      return { target, ok: true, attempts: attempt };
    } catch (err) {
      const error = describeFailure(err, timeoutMs);
      if (err instanceof PermanentError || attempt > retries) return { target, ok: false, attempts: attempt, error };
    }
    await sleep(Math.min(delay, MAX_RETRY_DELAY_MS) * (0.8 + Math.random() * 0.4));
    delay *= 2;
  }
}

function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause: { code?: unknown; message?: unknown } | undefined = err instanceof Error ? ((err.cause as { code?: unknown; message?: unknown } | undefined) ?? err) : undefined;
  if (typeof cause?.code === 'string' && cause.code && !cause.code.startsWith('E_'))
    return `${cause.code}${typeof cause.message === 'string' && cause.message ? ` (${cause.message.replace(/https?:\/\/\S+/g, '<url>')})` : ''}`;
  return errorMessage(err).replace(/https?:\/\/\S+/g, '<url>');
}
