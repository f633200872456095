/** A report section, independent of the output format (Markdown and HTML render the same ones). */

export interface Table {
  header: string[];
  rows: (string | number)[][];
  /** Numeric columns (right-aligned, sorted as numbers). */
  numeric?: number[];
}

export type Block = { kind: 'text'; text: string } | { kind: 'kv'; items: [string, string][] } | { kind: 'table'; table: Table };

export interface Section {
  level: 2 | 3;
  title: string;
  id: string;
  blocks: Block[];
}
