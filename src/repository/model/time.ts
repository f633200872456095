/**
 * Go time values as restic writes them (RFC 3339 with up to nine fractional digits, trailing
 * zeros dropped, 'Z' for UTC, otherwise ±HH:MM). JavaScript's Date has only milliseconds, so
 * times are kept as (unix seconds, nanoseconds, zone offset) and converted by hand.
 */
import { FormatError } from '../../core/index.js';

export interface GoTime {
  unixSeconds: bigint;
  nanos: number;
  /** Zone offset east of UTC, in minutes. */
  offsetMinutes: number;
}

const PATTERN = /^(-?\d{4,})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;
const NS = 1_000_000_000n;

// days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm)
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

export function parseGoTime(s: string): GoTime {
  // the usual shape without the regular expression (a restore reads two times per file)
  if (readUsualGoTime(s)) return { unixSeconds: BigInt(usual.unixSeconds), nanos: usual.nanos, offsetMinutes: usual.offsetMinutes };
  return parseOtherShape(s);
}

/** A stored time in any shape the regular expression allows (parseGoTime once the usual shape did not read). */
function parseOtherShape(s: string): GoTime {
  const m = PATTERN.exec(s);
  if (!m) throw new FormatError(`invalid time ${JSON.stringify(s.slice(0, 60))}`);
  const [, y, mo, d, h, mi, se, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(se) > 60) {
    throw new FormatError(`invalid time ${JSON.stringify(s)}`);
  }
  const offsetMinutes = zone === 'Z' || zone === 'z' ? 0 : (zone![0] === '-' ? -1 : 1) * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
  const days = daysFromCivil(Number(y), month, day);
  const local = BigInt(days) * 86400n + BigInt(Number(h) * 3600 + Number(mi) * 60 + Number(se));
  const nanos = frac ? Number(frac.slice(0, 9).padEnd(9, '0')) : 0;
  return { unixSeconds: local - BigInt(offsetMinutes * 60), nanos, offsetMinutes };
}

/** Digits of `s` from `at` to `end` as a number, or -1 when one is not a digit. */
function digits(s: string, at: number, end: number): number {
  let n = 0;
  for (let i = at; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** What readUsualGoTime read last (one object, reused: the backup reads two times per file). */
const usual = { unixSeconds: 0, nanos: 0, offsetMinutes: 0 };

/**
 * Reads the usual shape of a stored time (four-digit year, up to nine fractional digits, 'Z' or
 * ±HH:MM) into `usual` without a regular expression or bigints; false for any other shape, which
 * parseGoTime's regular expression then decides.
 */
function readUsualGoTime(s: string): boolean {
  const n = s.length;
  if (n >= 20 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && (s.charCodeAt(10) | 0x20) === 0x74 && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58) {
    const year = digits(s, 0, 4);
    const month = digits(s, 5, 7);
    const day = digits(s, 8, 10);
    const hour = digits(s, 11, 13);
    const minute = digits(s, 14, 16);
    const second = digits(s, 17, 19);
    let at = 19;
    let frac = 0;
    let fracDigits = 1;
    if (s.charCodeAt(at) === 46) {
      let scale = 100_000_000;
      for (at++, fracDigits = 0; at < n; at++, fracDigits++, scale /= 10) {
        const d = s.charCodeAt(at) - 48;
        if (d < 0 || d > 9) break;
        if (scale >= 1) frac += d * scale;
      }
    }
    let offset: number | undefined;
    const z = s.charCodeAt(at);
    if ((z | 0x20) === 0x7a && at + 1 === n) offset = 0;
    else if ((z === 43 || z === 45) && at + 6 === n && s.charCodeAt(at + 3) === 58) {
      const h = digits(s, at + 1, at + 3);
      const m = digits(s, at + 4, at + 6);
      if (h >= 0 && m >= 0) offset = (z === 45 ? -1 : 1) * (h * 60 + m);
    }
    if (
      offset !== undefined &&
      fracDigits > 0 &&
      year >= 0 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 31 &&
      hour >= 0 &&
      hour <= 23 &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 60
    ) {
      usual.unixSeconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset * 60;
      usual.nanos = frac;
      usual.offsetMinutes = offset;
      return true;
    }
  }
  return false;
}

/**
 * Whether the stored time `s` is the instant (`unixSeconds`, `nanos`), whatever zone it was
 * written in. The backup compares two stored times per file with the file's lstat.
 */
export function goTimeEquals(s: string, unixSeconds: number, nanos: number): boolean {
  if (readUsualGoTime(s)) return usual.unixSeconds === unixSeconds && usual.nanos === nanos;
  try {
    const t = parseOtherShape(s);
    return t.unixSeconds === BigInt(unixSeconds) && t.nanos === nanos;
  } catch {
    return false;
  }
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function formatGoTime(t: GoTime): string {
  const local = t.unixSeconds + BigInt(t.offsetMinutes * 60);
  let days = Number(local / 86400n);
  let secs = Number(local % 86400n);
  if (secs < 0) {
    secs += 86400;
    days -= 1;
  }
  const [year, m, d] = civilFromDays(days);
  const y = Math.min(9999, Math.max(0, year));
  let out = `${pad(y, 4)}-${pad(m)}-${pad(d)}T${pad(Math.floor(secs / 3600))}:${pad(Math.floor((secs % 3600) / 60))}:${pad(secs % 60)}`;
  if (t.nanos > 0) out += `.${String(t.nanos).padStart(9, '0').replace(/0+$/, '')}`;
  if (t.offsetMinutes === 0) return `${out}Z`;
  const a = Math.abs(t.offsetMinutes);
  return `${out}${t.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

const offsetCache = new Map<number, number>();

/**
 * The local zone's offset (whole minutes east of UTC) at an instant. Cached per quarter hour:
 * zone transitions happen on quarter-hour boundaries, and backups format two times per file.
 */
export function localOffsetMinutes(unixMs: number): number {
  const slot = Math.floor(unixMs / 900_000);
  let off = offsetCache.get(slot);
  if (off === undefined) {
    off = -new Date(slot * 900_000).getTimezoneOffset();
    off = Object.is(off, -0) ? 0 : Math.trunc(off);
    if (offsetCache.size > 100_000) offsetCache.clear();
    offsetCache.set(slot, off);
  }
  return off;
}

export function goTimeFromNs(ns: bigint, offsetMinutes?: number): GoTime {
  let secs = ns / NS;
  let nanos = Number(ns % NS);
  if (nanos < 0) {
    nanos += 1e9;
    secs -= 1n;
  }
  return { unixSeconds: secs, nanos, offsetMinutes: offsetMinutes ?? localOffsetMinutes(Number(secs) * 1000) };
}

export function goTimeToNs(t: GoTime): bigint {
  return t.unixSeconds * NS + BigInt(t.nanos);
}

export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** Calendar fields of a time in its own zone (what Go's t.Year(), t.Month(), … return). */
export interface CalendarFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  /** Days since 1970-01-01 in the time's zone. */
  days: number;
}

export function calendarFields(t: GoTime): CalendarFields {
  const local = Number(t.unixSeconds) + t.offsetMinutes * 60;
  const days = Math.floor(local / 86400);
  const [year, month, day] = civilFromDays(days);
  return { year, month, day, hour: Math.floor((local - days * 86400) / 3600), days };
}

/** ISO 8601 week-numbering year and week (Go's t.ISOWeek()). */
export function isoWeek(f: CalendarFields): { year: number; week: number } {
  const weekday = (((f.days % 7) + 7 + 3) % 7) + 1; // 1970-01-01 was a Thursday (4); Monday = 1
  const thursday = f.days + (4 - weekday);
  const [year] = civilFromDays(thursday);
  const jan1 = daysFromCivil(year, 1, 1);
  return { year, week: Math.floor((thursday - jan1) / 7) + 1 };
}
