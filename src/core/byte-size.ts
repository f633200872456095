/**
 * Sizes for people in binary units (B, KiB, MiB, …), one definition for every front end and
 * report. `decimals`: a fixed number of digits after the point (the CLI prints restic's three),
 * or 'adaptive' (two below 10, one above: the console, reports and notifications).
 */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(n: number, decimals: number | 'adaptive' = 'adaptive'): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n} B`;
  return `${v.toFixed(decimals === 'adaptive' ? (v < 10 ? 2 : 1) : decimals)} ${UNITS[u]}`;
}
