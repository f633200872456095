/** `inventory check` output: one line per finding grouped by kind (text), or the report as JSON. */
import { type ConsistencyReport, FINDING_KINDS } from './check.js';

export type ConsistencyFormat = 'text' | 'json';

export function renderConsistency(report: ConsistencyReport, format: ConsistencyFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const out: string[] = [];
  const total = report.findings.length;
  out.push(
    total === 0
      ? `no inconsistencies: ${report.accounts} accounts in ${report.sources.length} sources with SIP addresses`
      : `${total} finding${total === 1 ? '' : 's'} in ${report.accounts} accounts (sources compared: ${report.sources.join(', ') || 'none'})`,
  );
  for (const [kind, title] of FINDING_KINDS) {
    const list = report.findings.filter((f) => f.kind === kind);
    if (!list.length) continue;
    out.push('', `${title} (${kind}): ${list.length}`);
    for (const f of list) out.push(`  ${f.message}`);
  }
  return `${out.join('\n')}\n`;
}
