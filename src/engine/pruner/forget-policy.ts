/**
 * restic's forget policy: which snapshots of one group to keep, and why. Snapshots are taken
 * newest first; each rule keeps a snapshot when it opens a new bucket for that rule (a new hour,
 * day, ISO week, month or year in the snapshot's own zone) while the rule still has count left
 * (-1 = unlimited). keep-last keeps the newest N; keep-tag keeps snapshots carrying all tags of any
 * listed group; keep-within keeps snapshots newer than the newest one minus a duration; the
 * keep-within-* rules apply the bucket rules, without count, inside such a duration.
 */
import { LifeboatError } from '../../core/index.js';
import { type CalendarFields, type GoTime, calendarFields, daysFromCivil, goTimeToNs, isoWeek, parseGoTime } from '../../repository/model/index.js';

export interface Duration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

export interface ForgetPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  within?: Duration;
  withinHourly?: Duration;
  withinDaily?: Duration;
  withinWeekly?: Duration;
  withinMonthly?: Duration;
  withinYearly?: Duration;
  /** Keep snapshots having all tags of any group. */
  tags?: string[][];
}

export interface PolicySnapshot {
  time: string;
  tags?: string[];
}

export interface Decision {
  keep: boolean;
  reasons: string[];
}

/** restic's duration syntax: 1y5m7d2h (each part optional, at least one). */
export function parseDuration(text: string): Duration {
  const m = /^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?(?:(\d+)h)?$/.exec(text.trim());
  if (!m || text.trim() === '') throw new LifeboatError('E_USAGE', `invalid duration ${JSON.stringify(text)}`, { hint: 'use e.g. 1y5m7d2h' });
  return { years: Number(m[1] ?? 0), months: Number(m[2] ?? 0), days: Number(m[3] ?? 0), hours: Number(m[4] ?? 0) };
}

export function policyIsEmpty(p: ForgetPolicy): boolean {
  return (
    !p.last &&
    !p.hourly &&
    !p.daily &&
    !p.weekly &&
    !p.monthly &&
    !p.yearly &&
    !p.within &&
    !p.withinHourly &&
    !p.withinDaily &&
    !p.withinWeekly &&
    !p.withinMonthly &&
    !p.withinYearly &&
    !(p.tags && p.tags.length)
  );
}

type Bucketer = (f: CalendarFields) => number;

const BUCKETS: [keyof ForgetPolicy & ('hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly'), string, Bucketer][] = [
  ['hourly', 'hourly snapshot', (f) => f.year * 1_000_000 + f.month * 10_000 + f.day * 100 + f.hour],
  ['daily', 'daily snapshot', (f) => f.year * 10_000 + f.month * 100 + f.day],
  [
    'weekly',
    'weekly snapshot',
    (f) => {
      const w = isoWeek(f);
      return w.year * 100 + w.week;
    },
  ],
  ['monthly', 'monthly snapshot', (f) => f.year * 100 + f.month],
  ['yearly', 'yearly snapshot', (f) => f.year],
];

const WITHIN: [keyof ForgetPolicy, string, Bucketer][] = [
  ['withinHourly', 'hourly within', BUCKETS[0]![2]],
  ['withinDaily', 'daily within', BUCKETS[1]![2]],
  ['withinWeekly', 'weekly within', BUCKETS[2]![2]],
  ['withinMonthly', 'monthly within', BUCKETS[3]![2]],
  ['withinYearly', 'yearly within', BUCKETS[4]![2]],
];

/** The instant `d` before `t`, with Go's AddDate calendar arithmetic in t's zone (ns since epoch). */
function minus(t: GoTime, d: Duration): bigint {
  const f = calendarFields(t);
  let year = f.year - d.years;
  let month = f.month - d.months;
  while (month < 1) {
    month += 12;
    year--;
  }
  // Go normalises overflowing days (Jan 31 − 1 month = Dec 31; Mar 31 − 1 month = Mar 3)
  const days = daysFromCivil(year, month, 1) + (f.day - 1) - d.days;
  const secondsOfDay = Number(t.unixSeconds) + t.offsetMinutes * 60 - f.days * 86400;
  const local = BigInt(days) * 86400n + BigInt(secondsOfDay) - BigInt(d.hours * 3600);
  return (local - BigInt(t.offsetMinutes * 60)) * 1_000_000_000n + BigInt(t.nanos);
}

/** Decisions for one group, in the order given (which must be newest first). */
export function applyPolicy(snapshots: readonly PolicySnapshot[], policy: ForgetPolicy): Decision[] {
  const counts = new Map<string, number>();
  const lastBucket = new Map<string, number>();
  for (const [k] of BUCKETS) counts.set(k, policy[k] ?? 0);
  const times = snapshots.map((s) => parseGoTime(s.time));
  const latest = times[0];
  const limits = new Map<string, bigint>();
  if (latest) {
    for (const k of ['within', ...WITHIN.map((w) => w[0])] as (keyof ForgetPolicy)[]) {
      const d = policy[k] as Duration | undefined;
      if (d) limits.set(k, minus(latest, d));
    }
  }
  return snapshots.map((snap, nr) => {
    const reasons: string[] = [];
    const t = times[nr]!;
    const f = calendarFields(t);
    const ns = goTimeToNs(t);
    if (policy.tags?.some((group) => group.every((tag) => snap.tags?.includes(tag)))) reasons.push('has tags');
    if (policy.last !== undefined && (policy.last === -1 || nr < policy.last)) reasons.push('last snapshot');
    for (const [k, reason, bucket] of BUCKETS) {
      const count = counts.get(k)!;
      if (count === 0) continue;
      const value = bucket(f);
      if (value !== (lastBucket.get(k) ?? -1)) {
        reasons.push(reason);
        lastBucket.set(k, value);
        if (count > 0) counts.set(k, count - 1);
      }
    }
    const within = limits.get('within');
    if (within !== undefined && ns >= within) reasons.push('within');
    for (const [k, reason, bucket] of WITHIN) {
      const limit = limits.get(k);
      if (limit === undefined || ns < limit) continue;
      const value = bucket(f);
      if (value !== (lastBucket.get(k) ?? -1)) {
        reasons.push(reason);
        lastBucket.set(k, value);
      }
    }
    return { keep: reasons.length > 0, reasons };
  });
}
