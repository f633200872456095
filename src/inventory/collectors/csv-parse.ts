/**
 * CSV as PowerShell's Export-Csv writes it, read with the `csv-parse` library: an optional
 * `#TYPE …` line (Windows PowerShell 5.1 without -NoTypeInformation), a header row, every field
 * quoted, `""` for a quote inside a field, commas and line breaks inside quoted fields, CRLF or
 * LF line ends. Unquoted fields are accepted too (hand-edited files, Excel).
 *
 *   detectFileEncoding(path) → decodeFileChunks → strip the #TYPE line → csv-parse (streaming)
 *   → one CsvRecord at a time, each with its first line and the header columns it lacks
 *
 * Memory is bounded: the file is streamed, and a record longer than `maxRecordChars` stops the
 * read with an error naming the line (csv-parse's max_record_size), instead of growing a field
 * until the process runs out of memory.
 */
import { Readable, pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { FormatError } from '../../core/index.js';
import { type TextEncodingName, decodeFileChunks, detectFileEncoding } from './text-decode.js';

/** Default longest record (characters): far above any Get-CsUser row, far below what hurts. */
export const MAX_RECORD_CHARS = 1024 * 1024;

export interface CsvRecord {
  /** Field values keyed by header name (a short row leaves the missing ones out). */
  values: Record<string, string>;
  /** The line the record starts on in the file (1-based, the #TYPE line counted). */
  line: number;
  /** Header columns the row has no field for (a short row). */
  missing: string[];
  /** Fields beyond the header's width (a long row). */
  extra: string[];
}

export interface CsvFile {
  encoding: TextEncodingName;
  /** The `#TYPE` line's type name, when present. */
  typeName: string | null;
  columns: string[];
  records: AsyncIterable<CsvRecord>;
}

export interface OpenCsvOptions {
  delimiter?: string;
  maxRecordChars?: number;
  signal?: AbortSignal;
}

/** Pulls the first line off a text stream when it is a `#TYPE` line; the rest passes through. */
async function* withoutTypeLine(chunks: AsyncIterable<string>, found: (typeName: string) => void, limit: number): AsyncGenerator<string> {
  let head = '';
  let decided = false;
  for await (const chunk of chunks) {
    if (decided) {
      yield chunk;
      continue;
    }
    head += chunk;
    const nl = head.indexOf('\n');
    if (nl < 0 && head.length < Math.max(limit, 6) && head.startsWith('#TYPE'.slice(0, head.length))) continue;
    decided = true;
    if (nl >= 0 && head.startsWith('#TYPE ')) {
      const eol = head[nl - 1] === '\r' ? nl - 1 : nl;
      found(head.slice(6, eol).trim());
      // keep the line break (CRLF or LF: csv-parse learns the record delimiter from the first
      // one it sees) so that its line numbers stay the file's
      yield head.slice(eol);
    } else yield head;
    head = '';
  }
  if (!decided && head) yield head;
}

function csvFailure(path: string, err: unknown, startLine: number, maxRecordChars: number): Error {
  if (!(err instanceof CsvError)) return err as Error;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new FormatError(`${path}: unterminated quoted field starting on line ${startLine}`, { cause: err });
    case 'CSV_MAX_RECORD_SIZE':
      // the message carries the way out: a source's errors reach the user as text only
      return new FormatError(
        `${path}: the record starting on line ${startLine} is longer than ${maxRecordChars} characters (no account export has one; if this file really does, raise maxRecordChars in the source)`,
        { cause: err },
      );
    default:
      return new FormatError(`${path}: line ${startLine}: ${err.message}`, { cause: err });
  }
}

/**
 * Opens a CSV file for streaming: reads the encoding, the #TYPE line and the header, and returns
 * the records as an async iterable (iterate it once).
 */
export async function openCsv(path: string, opts: OpenCsvOptions = {}): Promise<CsvFile> {
  const maxRecordChars = opts.maxRecordChars ?? MAX_RECORD_CHARS;
  const encoding = await detectFileEncoding(path, opts.signal);
  let typeName: string | null = null;
  const text = withoutTypeLine(decodeFileChunks(path, encoding, opts.signal), (t) => void (typeName = t), maxRecordChars);
  const parser = parse({
    delimiter: opts.delimiter ?? ',',
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    max_record_size: maxRecordChars,
  });
  // pipeline (not pipe): a read or decode error reaches the parser, and so the reader
  pipeline(Readable.from(text), parser, () => {});
  const iterator = (parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>)[Symbol.asyncIterator]();
  // a record starts on the line after the previous one ended, past any empty lines
  let prevEnd = 0;
  let prevEmpty = 0;
  const next = async (): Promise<{ record: string[]; line: number } | null> => {
    let r: IteratorResult<{ record: string[]; info: { lines: number; empty_lines: number } }>;
    try {
      r = await iterator.next();
    } catch (err) {
      throw csvFailure(path, err, prevEnd + 1, maxRecordChars);
    }
    if (r.done) return null;
    const line = prevEnd + 1 + (r.value.info.empty_lines - prevEmpty);
    prevEnd = r.value.info.lines;
    prevEmpty = r.value.info.empty_lines;
    return { record: r.value.record, line };
  };
  const header = await next();
  if (!header) {
    parser.destroy();
    throw new FormatError(`${path}: the CSV file has no header row`);
  }
  const columns = header.record.map((h) => h.trim());
  async function* records(): AsyncGenerator<CsvRecord> {
    try {
      for (let r = await next(); r; r = await next()) {
        const values: Record<string, string> = {};
        const n = Math.min(columns.length, r.record.length);
        for (let k = 0; k < n; k++) values[columns[k]!] = r.record[k]!;
        yield { values, line: r.line, missing: columns.slice(r.record.length), extra: r.record.slice(columns.length) };
      }
    } finally {
      parser.destroy();
    }
  }
  return {
    encoding,
    get typeName() {
      return typeName;
    },
    columns,
    records: records(),
  };
}

/** Splits CSV text into rows of fields (whole text in memory: tests and small documents). */
export function parseCsvRows(text: string, delimiter = ','): string[][] {
  try {
    return parseSync(text, { delimiter, relax_column_count: true, skip_empty_lines: true });
  } catch (err) {
    throw csvFailure('CSV', err, (err as { lines?: number }).lines ?? 0, Infinity);
  }
}

export interface CsvTable {
  typeName: string | null;
  columns: string[];
  records: Record<string, string>[];
}

/** Parses CSV text into records keyed by header name (whole text in memory). */
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
  const records = rows.map((r) => Object.fromEntries(columns.map((c, k) => [c, r[k] ?? ''])));
  return { typeName, columns, records };
}
