/**
 * @module inventory/reports
 * Pure renderers of a document (md, html, csv, json) and of a diff (text, md, json).
 * May import: inventory/model, inventory/diff, inventory/consistency, core.
 */
import { LifeboatError } from '../../core/index.js';
import type { InventoryDocument } from '../model/index.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

export type ReportFormat = 'md' | 'html' | 'csv' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'html', 'csv', 'json'];

export function renderReport(doc: InventoryDocument, format: ReportFormat): string {
  switch (format) {
    case 'md':
      return renderMarkdown(doc);
    case 'html':
      return renderHtml(doc);
    case 'csv':
      return renderCsv(doc);
    case 'json':
      return `${JSON.stringify(doc, null, 2)}\n`;
    default:
      throw new LifeboatError('E_USAGE', `unknown report format ${String(format)}`, { hint: 'use md, html, csv or json' });
  }
}

export { renderMarkdown, renderHtml, renderCsv };
export { renderDiff, type DiffFormat } from './diff-report.js';
export { documentSections, type Section } from './document-sections.js';
