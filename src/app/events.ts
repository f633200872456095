/**
 * The operations event model: what a point, a check, a prune or a rollback tells the outside
 * world when it ends. One shape (`LifeboatEvent`, JSON schema in docs/design/events.schema.json,
 * described in docs/design/events.md) feeds the notifier, the `--log-file` writer and the
 * `--metrics-file` writer alike.
 *
 * Use-cases emit through one hook, `EventHook`, passed in their options. Events carry the point
 * or check they concern, the verdict, sizes, durations, the proof's failing steps and the host —
 * never a password, a key, a token or a repository location (which may hold credentials).
 */
import { hostname as osHostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { LifeboatError, errorMessage } from '../core/index.js';
import type { CheckResult } from '../engine/checker/index.js';
import type { PruneStats } from '../engine/pruner/index.js';
import type { EventType, PointManifest } from '../rollback/index.js';
import { VERSION } from './version.js';

export type { EventType } from '../rollback/index.js';

export const EVENT_SCHEMA = 'lifeboat-event';

/** ok: it worked; warning: it worked with problems; failed: it did not; red: the gate says no. */
export type Verdict = 'ok' | 'warning' | 'failed' | 'red' | 'test';

export interface FailingStep {
  name: string;
  detail: string;
}

export interface EventPoint {
  id: string;
  name: string | null;
  sources: { name: string; kind: string; snapshot: string; files: number; bytes: number; dataAdded: number; unreadable: number }[];
  files: number;
  bytes: number;
  dataAdded: number;
  unreadable: number;
  accounts: number | null;
  proofOk: boolean;
}

export interface EventCheck {
  errors: number;
  hints: number;
  packs: number;
  snapshots: number;
  trees: number;
  packsRead: number;
  /** `--read-data-subset` as given, `all` for --read-data, null for a structure check. */
  readData: string | null;
}

export interface EventPrune {
  bytesFreed: number;
  packsDeleted: number;
  packsRepacked: number;
  dryRun: boolean;
}

export interface EventRollback {
  point: string;
  steps: number;
  problems: string[];
  resumed: boolean;
}

export interface LifeboatEvent {
  schema: typeof EVENT_SCHEMA;
  schemaVersion: 1;
  /** Random, unique per event (receivers may deduplicate retried deliveries on it). */
  eventId: string;
  type: EventType;
  verdict: Verdict;
  /** One line a human reads first. */
  summary: string;
  /** ISO 8601, when the operation ended. */
  time: string;
  host: string;
  lifeboatVersion: string;
  durationMs: number | null;
  point: EventPoint | null;
  check: EventCheck | null;
  prune: EventPrune | null;
  rollback: EventRollback | null;
  /** The proof's (or the rollback's) steps that failed. */
  failingSteps: FailingStep[];
  warnings: number;
  error: { code: string; message: string } | null;
}

/** The one hook use-cases emit through; it must not throw (consumers queue their work). */
export type EventHook = (event: LifeboatEvent) => void;

function base(type: EventType, verdict: Verdict, summary: string, host: string | undefined, durationMs: number | null): LifeboatEvent {
  return {
    schema: EVENT_SCHEMA,
    schemaVersion: 1,
    eventId: randomBytes(8).toString('hex'),
    type,
    verdict,
    summary,
    time: new Date().toISOString(),
    host: host ?? osHostname(),
    lifeboatVersion: VERSION,
    durationMs,
    point: null,
    check: null,
    prune: null,
    rollback: null,
    failingSteps: [],
    warnings: 0,
    error: null,
  };
}

function errorOf(err: unknown): { code: string; message: string } {
  return { code: err instanceof LifeboatError ? err.code : 'E_INTERNAL', message: errorMessage(err) };
}

function pointOf(m: PointManifest): EventPoint {
  const sum = (k: 'files' | 'bytes' | 'dataAdded' | 'unreadable'): number => m.sources.reduce((n, s) => n + s[k], 0);
  return {
    id: m.id,
    name: m.name,
    sources: m.sources.map((s) => ({ name: s.name, kind: s.kind, snapshot: s.snapshot, files: s.files, bytes: s.bytes, dataAdded: s.dataAdded, unreadable: s.unreadable })),
    files: sum('files'),
    bytes: sum('bytes'),
    dataAdded: sum('dataAdded'),
    unreadable: sum('unreadable'),
    accounts: m.inventory?.accounts ?? null,
    proofOk: m.proof.ok,
  };
}

const label = (m: PointManifest): string => `${m.id}${m.name ? ` "${m.name}"` : ''}`;

/** point.created (proof passed) or point.failed (proof failed) for a written point. */
export function pointEvent(m: PointManifest): LifeboatEvent {
  const durationMs = Date.parse(m.finishedAt) - Date.parse(m.createdAt);
  const failing = m.proof.checks.filter((c) => !c.ok).map((c) => ({ name: c.name, detail: c.detail }));
  const p = pointOf(m);
  const e = m.proof.ok
    ? base('point.created', m.warnings.length || p.unreadable ? 'warning' : 'ok', `restore point ${label(m)} created and proven on ${m.host}`, m.host, durationMs)
    : base('point.failed', 'failed', `restore point ${label(m)} FAILED its proof on ${m.host}: ${failing.map((f) => f.name).join(', ')}`, m.host, durationMs);
  return { ...e, point: p, failingSteps: failing, warnings: m.warnings.length };
}

/** point.failed for a point whose creation stopped with an error (no manifest was written). */
export function pointErrorEvent(err: unknown, host: string | undefined, durationMs: number): LifeboatEvent {
  const error = errorOf(err);
  return { ...base('point.failed', 'failed', `restore point creation failed: ${error.message}`, host, durationMs), error };
}

/**
 * gate.red: the point is not a safe base for the migration. Emitted with point.failed when the
 * proof fails; the readiness gate emits it with its own failing steps.
 */
export function gateRedEvent(subject: { point?: EventPoint | null; host?: string; reason: string; failingSteps: FailingStep[] }): LifeboatEvent {
  return { ...base('gate.red', 'red', `migration gate is RED: ${subject.reason}`, subject.host, null), point: subject.point ?? null, failingSteps: subject.failingSteps };
}

export function checkEvent(r: CheckResult, readData: string | null, durationMs: number, host?: string): LifeboatEvent {
  const check: EventCheck = { errors: r.errors, hints: r.hints, packs: r.packs, snapshots: r.snapshots, trees: r.trees, packsRead: r.packsRead, readData };
  const failing = r.findings
    .filter((f) => f.severity === 'error')
    .slice(0, 20)
    .map((f) => ({ name: f.kind, detail: f.message }));
  return r.errors
    ? { ...base('check.failed', 'failed', `repository check found ${r.errors} errors`, host, durationMs), check, failingSteps: failing }
    : {
        ...base('check.passed', r.hints ? 'warning' : 'ok', `repository check passed (${r.snapshots} snapshots, ${r.packs} packs${r.packsRead ? `, ${r.packsRead} read` : ''})`, host, durationMs),
        check,
      };
}

export function checkErrorEvent(err: unknown, durationMs: number, host?: string): LifeboatEvent {
  const error = errorOf(err);
  return { ...base('check.failed', 'failed', `repository check could not run: ${error.message}`, host, durationMs), error };
}

export function pruneEvent(s: PruneStats, dryRun: boolean, durationMs: number, host?: string): LifeboatEvent {
  const prune: EventPrune = { bytesFreed: s.bytesFreed, packsDeleted: s.packsToDelete, packsRepacked: s.packsToRepack, dryRun };
  return { ...base('prune.done', 'ok', `prune ${dryRun ? 'would free' : 'freed'} ${s.bytesFreed} bytes`, host, durationMs), prune };
}

export function pruneErrorEvent(err: unknown, durationMs: number, host?: string): LifeboatEvent {
  const error = errorOf(err);
  return { ...base('prune.failed', 'failed', `prune failed: ${error.message}`, host, durationMs), error };
}

export function rollbackEvent(r: { point: string; steps: number; problems: string[]; resumed: boolean }, durationMs: number, host?: string): LifeboatEvent {
  const rollback: EventRollback = { point: r.point, steps: r.steps, problems: r.problems, resumed: r.resumed };
  return {
    ...base('rollback.applied', r.problems.length ? 'warning' : 'ok', `rollback to point ${r.point} applied${r.problems.length ? ` with ${r.problems.length} problems` : ''}`, host, durationMs),
    rollback,
    failingSteps: r.problems.map((p) => ({ name: 'problem', detail: p })),
  };
}

export function rollbackErrorEvent(err: unknown, pointRef: string, durationMs: number, host?: string): LifeboatEvent {
  const error = errorOf(err);
  return {
    ...base('rollback.failed', 'failed', `rollback to point ${pointRef} failed: ${error.message}`, host, durationMs),
    error,
    rollback: { point: pointRef, steps: 0, problems: [error.message], resumed: false },
  };
}

/** The event `lifeboat notify test` sends to every target. */
export function testEvent(host?: string): LifeboatEvent {
  return base('notify.test', 'test', 'test notification from lifeboat: this target is reachable', host, null);
}
