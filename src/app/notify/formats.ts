/**
 * How an event looks on each kind of target: plain JSON (the event itself), a Microsoft Teams
 * MessageCard, Slack blocks, and an e-mail with a text and an HTML part. The schemas of the
 * Teams and Slack subsets emitted here are in docs/design/notify-*.schema.json.
 */
import type { LifeboatEvent } from '../events.js';
import { formatBytes } from '../../core/index.js';

export type WebhookFormat = 'json' | 'teams' | 'slack';

const SLACK_HEADER_MAX = 150;
const SLACK_TEXT_MAX = 3000;
const SLACK_FIELDS_MAX = 10;
const FAILING_SHOWN = 10;

function bytes(n: number): string {
  return formatBytes(n, 1);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The facts every rich format shows, in order: [name, value]. */
export function eventFacts(e: LifeboatEvent): [string, string][] {
  const facts: [string, string][] = [
    ['event', e.type],
    ['verdict', e.verdict],
    ['host', e.host],
    ['time', e.time],
  ];
  if (e.durationMs !== null) facts.push(['duration', `${(e.durationMs / 1000).toFixed(1)} s`]);
  if (e.point) {
    facts.push(['point', `${e.point.id}${e.point.name ? ` (${e.point.name})` : ''}`]);
    facts.push(['proof', e.point.proofOk ? 'passed' : 'FAILED']);
    facts.push(['files', `${e.point.files} (${bytes(e.point.bytes)}, ${bytes(e.point.dataAdded)} added)`]);
    if (e.point.unreadable) facts.push(['unreadable', String(e.point.unreadable)]);
    if (e.point.accounts !== null) facts.push(['accounts', String(e.point.accounts)]);
  }
  if (e.check)
    facts.push(['check', `${e.check.errors} errors, ${e.check.hints} hints, ${e.check.snapshots} snapshots, ${e.check.packs} packs${e.check.readData ? `, data read: ${e.check.readData}` : ''}`]);
  if (e.prune) facts.push(['prune', `${bytes(e.prune.bytesFreed)} ${e.prune.dryRun ? 'would be ' : ''}freed, ${e.prune.packsDeleted} packs deleted, ${e.prune.packsRepacked} repacked`]);
  if (e.rollback) facts.push(['rollback', `point ${e.rollback.point}, ${e.rollback.steps} steps, ${e.rollback.problems.length} problems${e.rollback.resumed ? ', resumed' : ''}`]);
  if (e.warnings) facts.push(['warnings', String(e.warnings)]);
  if (e.error) facts.push(['error', `${e.error.code}: ${e.error.message}`]);
  return facts;
}

function failingLines(e: LifeboatEvent): string[] {
  const lines = e.failingSteps.slice(0, FAILING_SHOWN).map((s) => `${s.name}: ${s.detail}`);
  if (e.failingSteps.length > FAILING_SHOWN) lines.push(`… and ${e.failingSteps.length - FAILING_SHOWN} more`);
  return lines;
}

const COLOR: Record<LifeboatEvent['verdict'], string> = { ok: '2EB886', warning: 'DAA038', failed: 'D00000', red: 'D00000', test: '439FE0' };

/** A Teams (Office 365 connector) MessageCard. */
export function teamsMessageCard(e: LifeboatEvent): Record<string, unknown> {
  const failing = failingLines(e);
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: truncate(e.summary, 250),
    themeColor: COLOR[e.verdict],
    title: `Lifeboat: ${e.type} on ${e.host}`,
    sections: [
      {
        activityTitle: e.summary,
        activitySubtitle: `lifeboat ${e.lifeboatVersion}`,
        facts: eventFacts(e).map(([name, value]) => ({ name, value })),
        markdown: false,
      },
      ...(failing.length ? [{ title: 'Failing steps', text: failing.join('\n\n'), markdown: false }] : []),
    ],
  };
}

function mrkdwnEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack incoming-webhook message: fallback text plus header, fields and failing-step blocks. */
export function slackBlocks(e: LifeboatEvent): Record<string, unknown> {
  const fields = eventFacts(e)
    .slice(0, SLACK_FIELDS_MAX)
    .map(([name, value]) => ({ type: 'mrkdwn', text: truncate(`*${name}*\n${mrkdwnEscape(value)}`, 2000) }));
  const failing = failingLines(e);
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`Lifeboat: ${e.type} on ${e.host}`, SLACK_HEADER_MAX) } },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(mrkdwnEscape(e.summary), SLACK_TEXT_MAX) }, fields },
  ];
  if (failing.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(`*Failing steps*\n${failing.map((l) => `• ${mrkdwnEscape(l)}`).join('\n')}`, SLACK_TEXT_MAX) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `lifeboat ${e.lifeboatVersion} · event ${e.eventId}` }] });
  return { text: truncate(e.summary, SLACK_TEXT_MAX), blocks };
}

/** The body a webhook target posts. */
export function webhookBody(e: LifeboatEvent, format: WebhookFormat): unknown {
  return format === 'teams' ? teamsMessageCard(e) : format === 'slack' ? slackBlocks(e) : e;
}

function htmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export function emailContent(e: LifeboatEvent, subjectPrefix = '[lifeboat]'): EmailContent {
  const facts = eventFacts(e);
  const failing = failingLines(e);
  const width = Math.max(...facts.map(([n]) => n.length));
  const text = [
    e.summary,
    '',
    ...facts.map(([n, v]) => `${n.padEnd(width)}  ${v}`),
    ...(failing.length ? ['', 'Failing steps:', ...failing.map((l) => `  - ${l}`)] : []),
    '',
    `-- lifeboat ${e.lifeboatVersion}, event ${e.eventId}`,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2 style="color:#${COLOR[e.verdict]}">${htmlEscape(e.summary)}</h2>`,
    '<table>',
    ...facts.map(([n, v]) => `<tr><th align="left">${htmlEscape(n)}</th><td>${htmlEscape(v)}</td></tr>`),
    '</table>',
    ...(failing.length ? ['<h3>Failing steps</h3><ul>', ...failing.map((l) => `<li>${htmlEscape(l)}</li>`), '</ul>'] : []),
    `<p style="color:#888">lifeboat ${htmlEscape(e.lifeboatVersion)}, event ${htmlEscape(e.eventId)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: `${subjectPrefix ? `${subjectPrefix} ` : ''}${e.type} on ${e.host}: ${truncate(e.summary, 120)}`, text, html };
}
