/** The readiness report for people: one line per item, then what to run for each red item. */
import { type ReadinessReport, isRed } from './gate.js';

const MARK: Record<string, string> = { verified: 'ok   ', unverified: 'unver', stale: 'STALE', failed: 'FAIL ', missing: 'MISS ', 'not-required': '  -  ' };

export function renderReadiness(r: ReadinessReport): string {
  const out: string[] = [];
  out.push(`readiness: ${r.product} (checklist ${r.checklist}), ${r.phase === 'plan' ? 'before the point' : "after the point's proof"}${r.exports ? `; exports in ${r.exports}` : ''}`);
  for (const i of r.items) {
    const name = `${i.id}${i.pool ? ` [${i.pool}]` : ''}`;
    out.push(`  ${MARK[i.status] ?? i.status} ${name}: ${i.evidence ? `${i.evidence}: ` : ''}${i.detail}`);
  }
  const counts = new Map<string, number>();
  for (const i of r.items) counts.set(i.status, (counts.get(i.status) ?? 0) + 1);
  out.push(`  ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`);
  if (r.red.length) {
    out.push(`NOT READY: ${r.red.length} required item${r.red.length === 1 ? ' is' : 's are'} missing, stale or failed:`);
    for (const i of r.red) {
      out.push(`  - ${i.title}${i.pool ? ` (pool ${i.pool})` : ''}: ${i.status}`);
      out.push(
        `      produce it with: ${i.produce}${r.exports && !i.produce.startsWith('a ') && !i.produce.startsWith('an ') ? `  (then put the file in ${r.exports}, or make it a command source of the plan)` : ''}`,
      );
      if (i.warning) out.push(`      ${i.warning}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export function readinessIsRed(r: ReadinessReport): boolean {
  return r.items.some((i) => i.required && isRed(i.status));
}
