/**
 * Times for people, in the local time zone (`TZ`), as restic prints them: a stored RFC 3339
 * time "2026-12-04T15:43:57.123+00:00" is shown as "2026-12-04 10:43:57" under
 * TZ=America/New_York. Machine output (--json, stored documents) keeps RFC 3339 with its offset.
 */

function pad(n: number, width = 2): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
}

/**
 * 'YYYY-MM-DD HH:MM:SS' of an RFC 3339 time in the local zone; with `zone`, the local offset
 * follows ('2026-12-04 10:43:57 -05:00'). A string that is not a time is returned unchanged.
 */
export function localTime(rfc3339: string, options: { zone?: boolean } = {}): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const text = `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (!options.zone) return text;
  const east = -d.getTimezoneOffset();
  return `${text} ${east < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(east) / 60))}:${pad(Math.abs(east) % 60)}`;
}
