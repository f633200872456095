/**
 * The report's "Consistency across sources" section: findings counted by kind, then the findings
 * themselves (the first MAX_ROWS; `lifeboat inventory check --json` lists them all).
 */
import { FINDING_KINDS, checkConsistency } from '../consistency/index.js';
import type { InventoryDocument } from '../model/index.js';
import type { Block, Section } from './section.js';

const MAX_ROWS = 500;

export function consistencySection(doc: InventoryDocument): Section {
  const r = checkConsistency(doc);
  const blocks: Block[] = [];
  if (r.findings.length === 0) {
    blocks.push({ kind: 'text', text: `No inconsistencies found in ${r.accounts} accounts (sources compared: ${r.sources.join(', ') || 'none'}).` });
  } else {
    blocks.push({
      kind: 'text',
      text: `${r.findings.length} findings in ${r.accounts} accounts (sources compared: ${r.sources.join(', ') || 'none'}). Run \`lifeboat inventory check\` on this document for the full list.`,
    });
    blocks.push({
      kind: 'table',
      table: { header: ['Finding', 'Kind', 'Count'], rows: FINDING_KINDS.filter(([k]) => r.counts[k] > 0).map(([k, title]) => [title, k, r.counts[k]]), numeric: [2] },
    });
    const rows = r.findings.slice(0, MAX_ROWS).map((f) => [f.kind, f.message, f.sources.join(', ')]);
    blocks.push({ kind: 'table', table: { header: ['Kind', 'Finding', 'Sources'], rows } });
    if (r.findings.length > MAX_ROWS) blocks.push({ kind: 'text', text: `… and ${r.findings.length - MAX_ROWS} more.` });
  }
  return { level: 2, title: 'Consistency across sources', id: 'consistency', blocks };
}
