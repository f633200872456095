/**
 * Go's encoding/json string encoding (HTML-safe, as restic writes): `"` `\` and control
 * characters escaped, `<` `>` `&` and U+2028/U+2029 as \u escapes, every byte that is not part
 * of valid UTF-8 as \ufffd, everything else raw. JSON.stringify differs in several of these.
 */
import { INVALID_BYTE_MARK } from './json-reader.js';
import { decodeRune } from './utf8.js';

const HEX = '0123456789abcdef';
const SIMPLE = /^[\x20-\x7e]*$/;
const NEEDS_ESCAPE = /["\\<>&]/;

export interface GoJsonOptions {
  /** Go ≥ 1.22 (restic ≥ 0.17) writes \b and \f; restic 0.14 (Go 1.19) writes \u0008 and \u000c. */
  modernEscapes?: boolean;
}

/** The JSON string token (with quotes) Go writes for `s` (a JS string or raw bytes). */
export function goJsonString(s: string | Uint8Array, options: GoJsonOptions = {}): string {
  if (typeof s === 'string' && SIMPLE.test(s) && !NEEDS_ESCAPE.test(s)) return `"${s}"`;
  if (typeof s === 'string' && s.includes(INVALID_BYTE_MARK)) {
    return `"${s
      .split(INVALID_BYTE_MARK)
      .map((part) => goJsonString(part, options).slice(1, -1))
      .join('\\ufffd')}"`;
  }
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  let out = '"';
  let start = 0;
  const flush = (end: number): void => {
    if (end > start) out += Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
  };
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) {
      let esc: string | undefined;
      if (c === 0x22) esc = '\\"';
      else if (c === 0x5c) esc = '\\\\';
      else if (c === 0x0a) esc = '\\n';
      else if (c === 0x0d) esc = '\\r';
      else if (c === 0x09) esc = '\\t';
      else if (options.modernEscapes && c === 0x08) esc = '\\b';
      else if (options.modernEscapes && c === 0x0c) esc = '\\f';
      else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) esc = `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
      if (esc !== undefined) {
        flush(i);
        out += esc;
        start = i + 1;
      }
      i++;
      continue;
    }
    const r = decodeRune(b, i);
    if (r.rune < 0) {
      flush(i);
      out += '\\ufffd';
      i++;
      start = i;
      continue;
    }
    if (r.rune === 0x2028 || r.rune === 0x2029) {
      flush(i);
      out += r.rune === 0x2028 ? '\\u2028' : '\\u2029';
      start = i + r.size;
    }
    i += r.size;
  }
  flush(b.length);
  return `${out}"`;
}

/** Go's encoding of a []byte: standard padded base64, `null` for nil. */
export function goJsonBytes(b: Uint8Array | undefined): string {
  return b === undefined ? 'null' : `"${Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64')}"`;
}

export function goJsonStringArray(items: readonly string[] | undefined): string {
  return items === undefined ? 'null' : `[${items.map((s) => goJsonString(s)).join(',')}]`;
}
