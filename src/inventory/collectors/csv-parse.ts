/**
 * RFC 4180 CSV as PowerShell's Export-Csv writes it: an optional `#TYPE …` line (Windows
 * PowerShell 5.1 without -NoTypeInformation), a header row, every field quoted, `""` for a quote
 * inside a field, commas and line breaks inside quoted fields, CRLF or LF line ends.
 * Unquoted fields are accepted too (hand-edited files, Excel).
 */
import { FormatError } from '../../core/index.js';

/** Splits CSV text into rows of fields. */
export function parseCsvRows(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let line = 1;
  const n = text.length;
  let fieldStarted = false;
  while (i < n) {
    const c = text[i]!;
    if (c === '"' && !fieldStarted) {
      // quoted field: runs to the next lone quote
      const startLine = line;
      i++;
      for (;;) {
        if (i >= n) throw new FormatError(`unterminated quoted field starting on line ${startLine}`);
        const q = text.indexOf('"', i);
        if (q < 0) throw new FormatError(`unterminated quoted field starting on line ${startLine}`);
        const chunk = text.slice(i, q);
        for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === 10) line++;
        field += chunk;
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fieldStarted = true;
      continue;
    }
    if (c === delimiter) {
      row.push(field);
      field = '';
      fieldStarted = false;
      i++;
    } else if (c === '\r' || c === '\n') {
      // a line with nothing on it is not a record (a line with "" is one empty field)
      if (fieldStarted || row.length > 0) {
        row.push(field);
        rows.push(row);
      }
      row = [];
      field = '';
      fieldStarted = false;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
    } else {
      field += c;
      fieldStarted = true;
      i++;
    }
  }
  if (fieldStarted || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface CsvTable {
  /** The `#TYPE` line's type name, when present. */
  typeName: string | null;
  columns: string[];
  records: Record<string, string>[];
}

/** Parses a CSV export into records keyed by header name. */
export function parseCsv(text: string, delimiter = ','): CsvTable {
  let body = text;
  let typeName: string | null = null;
  const m = /^#TYPE ([^\r\n]*)\r?\n/.exec(body);
  if (m) {
    typeName = m[1]!.trim();
    body = body.slice(m[0].length);
  }
  const rows = parseCsvRows(body, delimiter);
  const header = rows.shift();
  if (!header) throw new FormatError('the CSV file has no header row');
  const columns = header.map((h) => h.trim());
  const records = rows.map((r) => {
    const rec: Record<string, string> = {};
    columns.forEach((c, k) => {
      rec[c] = r[k] ?? '';
    });
    return rec;
  });
  return { typeName, columns, records };
}
