/**
 * Prometheus metrics in the text exposition format (version 0.0.4), for node_exporter's textfile
 * collector (`--metrics-file`) and, from the repository alone, for a `/metrics` endpoint.
 *
 *   each event → series it sets (operation label: point | check | prune | rollback)
 *   --metrics-file: read the file's earlier series, replace those the event sets, write it back
 *                   atomically (temp file, fsync, rename: platform/fs), so a scrape never sees half a file and the
 *                   last check's values survive a later point create.
 *
 * No label or value ever holds a secret: labels are operation names, values are numbers.
 */
import { readFile } from 'node:fs/promises';
import { LifeboatError, errnoCode, errorMessage } from '../core/index.js';
import { writeFileAtomic } from '../platform/fs/index.js';
import type { Repository } from '../repository/index.js';
import type { LifeboatEvent } from './events.js';
import { pointList } from './point.js';

/** Every metric Lifeboat writes: name → help text. All are gauges. */
export const METRICS: Readonly<Record<string, string>> = {
  lifeboat_last_run_timestamp_seconds: 'When the operation last ended (Unix time).',
  lifeboat_last_success_timestamp_seconds: 'When the operation last ended successfully (Unix time).',
  lifeboat_last_run_success: '1 when the last run of the operation succeeded, else 0.',
  lifeboat_last_run_duration_seconds: 'How long the last run of the operation took.',
  lifeboat_point_files: 'Files in the last restore point.',
  lifeboat_point_bytes: 'Bytes of the files in the last restore point.',
  lifeboat_point_bytes_added: 'Bytes the last restore point added to the repository (before compression).',
  lifeboat_point_unreadable_files: 'Files the last restore point could not read.',
  lifeboat_point_proof_ok: '1 when the last restore point passed its proof, else 0.',
  lifeboat_gate_red: '1 when the migration gate is red (the last point is not a safe base), else 0.',
  lifeboat_check_errors: 'Errors the last repository check found.',
  lifeboat_check_hints: 'Hints the last repository check gave.',
  lifeboat_check_packs_read: 'Packs whose data the last repository check read.',
  lifeboat_prune_bytes_freed: 'Bytes the last prune freed.',
  lifeboat_rollback_problems: 'Problems the last rollback reported.',
  lifeboat_points: 'Complete restore points in the repository.',
};

/** Series key (`name` or `name{labels}`) → value. */
export type MetricSeries = Map<string, number>;

const OPERATION: Partial<Record<LifeboatEvent['type'], string>> = {
  'point.created': 'point',
  'point.failed': 'point',
  'check.passed': 'check',
  'check.failed': 'check',
  'prune.done': 'prune',
  'prune.failed': 'prune',
  'rollback.applied': 'rollback',
  'rollback.failed': 'rollback',
};

/** Sets the series the event determines; the others are left as they were. */
export function applyEvent(series: MetricSeries, e: LifeboatEvent): void {
  const seconds = Math.floor(Date.parse(e.time) / 1000);
  const operation = OPERATION[e.type];
  if (operation) {
    const ok = e.verdict === 'ok' || e.verdict === 'warning';
    const l = `{operation="${operation}"}`;
    series.set(`lifeboat_last_run_timestamp_seconds${l}`, seconds);
    series.set(`lifeboat_last_run_success${l}`, ok ? 1 : 0);
    if (ok) series.set(`lifeboat_last_success_timestamp_seconds${l}`, seconds);
    if (e.durationMs !== null) series.set(`lifeboat_last_run_duration_seconds${l}`, e.durationMs / 1000);
  }
  if (e.point) {
    series.set('lifeboat_point_files', e.point.files);
    series.set('lifeboat_point_bytes', e.point.bytes);
    series.set('lifeboat_point_bytes_added', e.point.dataAdded);
    series.set('lifeboat_point_unreadable_files', e.point.unreadable);
    series.set('lifeboat_point_proof_ok', e.point.proofOk ? 1 : 0);
  }
  if (e.type === 'gate.red') series.set('lifeboat_gate_red', 1);
  else if (e.type === 'point.created') series.set('lifeboat_gate_red', 0);
  if (e.check) {
    series.set('lifeboat_check_errors', e.check.errors);
    series.set('lifeboat_check_hints', e.check.hints);
    series.set('lifeboat_check_packs_read', e.check.packsRead);
  }
  if (e.prune && !e.prune.dryRun) series.set('lifeboat_prune_bytes_freed', e.prune.bytesFreed);
  if (e.rollback) series.set('lifeboat_rollback_problems', e.rollback.problems.length);
}

function metricName(key: string): string {
  const brace = key.indexOf('{');
  return brace < 0 ? key : key.slice(0, brace);
}

function formatValue(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}

/** The exposition text: per metric, HELP and TYPE lines, then its series sorted by key. */
export function renderMetrics(series: MetricSeries): string {
  const byName = new Map<string, string[]>();
  for (const key of [...series.keys()].sort()) {
    const name = metricName(key);
    let keys = byName.get(name);
    if (!keys) byName.set(name, (keys = []));
    keys.push(key);
  }
  let out = '';
  for (const name of Object.keys(METRICS)) {
    const keys = byName.get(name);
    if (!keys) continue;
    out += `# HELP ${name} ${METRICS[name]}\n# TYPE ${name} gauge\n`;
    for (const k of keys) out += `${k} ${formatValue(series.get(k)!)}\n`;
  }
  return out;
}

const SAMPLE = /^(lifeboat_[a-z_]+(?:\{operation="[a-z]+"\})?) (\S+)$/;

/** The series of a file this module wrote; lines of any other shape are dropped. */
export function parseMetrics(text: string): MetricSeries {
  const series: MetricSeries = new Map();
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m || !(metricName(m[1]!) in METRICS)) continue;
    const v = m[2] === '+Inf' ? Infinity : m[2] === '-Inf' ? -Infinity : Number(m[2]);
    if (!Number.isNaN(v) || m[2] === 'NaN') series.set(m[1]!, v);
  }
  return series;
}

/** Merges the events into the metrics file and replaces it atomically (mode 0644). */
export async function writeMetricsFile(path: string, events: readonly LifeboatEvent[]): Promise<void> {
  let series: MetricSeries;
  try {
    series = parseMetrics(await readFile(path, 'utf8'));
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw new LifeboatError('E_IO', `cannot read the metrics file ${path}: ${errorMessage(err)}`, { cause: err });
    series = new Map();
  }
  for (const e of events) applyEvent(series, e);
  // readable by the node exporter that collects it
  await writeFileAtomic(path, renderMetrics(series), { mode: 0o644 }).catch((err: unknown) => {
    const cause = err instanceof LifeboatError && err.cause !== undefined ? err.cause : err;
    throw new LifeboatError('E_IO', `cannot write the metrics file ${path}: ${errorMessage(cause)}`, { cause, hint: 'check that its directory exists and is writable' });
  });
}

/**
 * The metrics the repository itself tells (for `/metrics` of a server): the newest complete
 * point's sizes, proof and time, and how many complete points there are.
 */
export async function repositoryMetrics(repo: Repository, signal?: AbortSignal): Promise<MetricSeries> {
  const points = (await pointList(repo, signal)).filter((p) => p.manifest);
  const series: MetricSeries = new Map([['lifeboat_points', points.length]]);
  const last = points.at(-1)?.manifest;
  if (last) {
    const sum = (k: 'files' | 'bytes' | 'dataAdded' | 'unreadable'): number => last.sources.reduce((n, s) => n + s[k], 0);
    const l = '{operation="point"}';
    series.set(`lifeboat_last_run_timestamp_seconds${l}`, Math.floor(Date.parse(last.finishedAt) / 1000));
    series.set(`lifeboat_last_run_success${l}`, last.proof.ok ? 1 : 0);
    series.set(`lifeboat_last_run_duration_seconds${l}`, (Date.parse(last.finishedAt) - Date.parse(last.createdAt)) / 1000);
    const lastOk = points.filter((p) => p.manifest!.proof.ok).at(-1)?.manifest;
    if (lastOk) series.set(`lifeboat_last_success_timestamp_seconds${l}`, Math.floor(Date.parse(lastOk.finishedAt) / 1000));
    series.set('lifeboat_point_files', sum('files'));
    series.set('lifeboat_point_bytes', sum('bytes'));
    series.set('lifeboat_point_bytes_added', sum('dataAdded'));
    series.set('lifeboat_point_unreadable_files', sum('unreadable'));
    series.set('lifeboat_point_proof_ok', last.proof.ok ? 1 : 0);
  }
  return series;
}
