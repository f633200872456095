/** The Markdown report (also what `inventory collect --store` saves beside the document). */
import { localTime } from '../../core/index.js';
import type { InventoryDocument } from '../model/index.js';
import { type Section, documentSections } from './document-sections.js';
import { mdCell, mdTable } from './format.js';

export function sectionsToMarkdown(title: string, sections: Section[]): string {
  const out: string[] = [`# ${title}`, ''];
  for (const s of sections) {
    out.push(`${'#'.repeat(s.level)} ${s.title}`, '');
    for (const b of s.blocks) {
      if (b.kind === 'text') out.push(b.text, '');
      else if (b.kind === 'kv') out.push(...b.items.map(([k, v]) => `- **${mdCell(k)}**: ${mdCell(v)}`), '');
      else out.push(mdTable(b.table.header, b.table.rows), '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export function renderMarkdown(doc: InventoryDocument): string {
  return sectionsToMarkdown(`Inventory ${localTime(doc.collectedAt, { zone: true })}`, documentSections(doc));
}
