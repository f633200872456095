/**
 * Node names are escaped with Go's strconv.Quote before JSON encoding (spec 8.3), and decoded
 * with strconv.Unquote semantics into raw bytes: names need not be valid UTF-8.
 */
import { FormatError } from '../../core/index.js';
import { decodeRune } from './utf8.js';

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;
const PLAIN = /^[\x20-\x7e]*$/;
const HEX = '0123456789abcdef';

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Go's strconv.Quote(name) without the surrounding quotes. */
export function quoteName(name: Uint8Array): string {
  const buf = Buffer.from(name.buffer, name.byteOffset, name.length);
  const ascii = buf.toString('latin1');
  if (PLAIN.test(ascii) && !ascii.includes('"') && !ascii.includes('\\')) return ascii;
  let out = '';
  for (let i = 0; i < name.length;) {
    const { rune, size } = decodeRune(name, i);
    if (rune < 0) {
      const c = name[i]!;
      out += `\\x${HEX[c >> 4]}${HEX[c & 15]}`;
      i++;
      continue;
    }
    i += size;
    if (rune === 0x22) out += '\\"';
    else if (rune === 0x5c) out += '\\\\';
    else if (rune === 0x20 || (rune >= 0x21 && rune < 0x7f) || (rune > 0x7f && PRINTABLE.test(String.fromCodePoint(rune)))) out += String.fromCodePoint(rune);
    else if (rune === 0x07) out += '\\a';
    else if (rune === 0x08) out += '\\b';
    else if (rune === 0x0c) out += '\\f';
    else if (rune === 0x0a) out += '\\n';
    else if (rune === 0x0d) out += '\\r';
    else if (rune === 0x09) out += '\\t';
    else if (rune === 0x0b) out += '\\v';
    else if (rune < 0x20 || rune === 0x7f) out += `\\x${hex(rune, 2)}`;
    else if (rune < 0x10000) out += `\\u${hex(rune, 4)}`;
    else out += `\\U${hex(rune, 8)}`;
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c, '"': 0x22 };

/** strconv.Unquote of `"` + quoted + `"`, as raw bytes. */
export function unquoteName(quoted: string): Buffer {
  if (!quoted.includes('\\') && !quoted.includes('"') && !quoted.includes('\n')) return Buffer.from(quoted, 'utf8');
  const bytes: number[] = [];
  const pushUtf8 = (cp: number): void => {
    for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
  };
  const bad = (why: string): never => {
    throw new FormatError(`invalid quoted name ${JSON.stringify(quoted.slice(0, 80))}: ${why}`);
  };
  for (let i = 0; i < quoted.length;) {
    const cp = quoted.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (ch === '"') bad('unescaped quote');
    if (ch === '\n') bad('raw newline');
    if (ch !== '\\') {
      pushUtf8(cp);
      i += ch.length;
      continue;
    }
    const e = quoted[i + 1];
    if (e === undefined) bad('trailing backslash');
    const simple = SIMPLE_ESCAPES[e!];
    if (simple !== undefined) {
      bytes.push(simple);
      i += 2;
    } else if (e === 'x') {
      const h = quoted.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) bad('bad \\x escape');
      bytes.push(Number.parseInt(h, 16));
      i += 4;
    } else if (e! >= '0' && e! <= '7') {
      const o = quoted.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(o) || Number.parseInt(o, 8) > 0o377) bad('bad octal escape');
      bytes.push(Number.parseInt(o, 8));
      i += 4;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const h = quoted.slice(i + 2, i + 2 + n);
      if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) bad(`bad \\${e} escape`);
      const v = Number.parseInt(h, 16);
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) bad('escape is not a valid code point');
      pushUtf8(v);
      i += 2 + n;
    } else {
      bad(`unknown escape \\${e}`);
    }
  }
  return Buffer.from(bytes);
}
