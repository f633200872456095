/**
 * JSON.parse that keeps what plain JSON.parse loses:
 * - integers above 2^53 (restic stores inode numbers and device IDs as uint64): integer tokens
 *   of 16 or more digits outside strings become strings, which field decoders turn into BigInt;
 * - Go's `\ufffd` escapes, which stand for bytes that were not valid UTF-8 (a genuine U+FFFD
 *   is written raw by Go): they become the marker INVALID_BYTE_MARK, so re-encoding writes the
 *   same escape again and tree IDs are preserved.
 * One pass over the text, only when either can occur. Malformed input becomes a FormatError.
 */
import { isAscii } from 'node:buffer';
import { FormatError } from '../../core/index.js';

/**
 * A number token of 16+ digits: one starts after ':', ',' or '['. Tested first so that the common
 * tree (16 digits in a row occur inside most hex content IDs, never outside strings) skips the
 * one-pass rewrite below.
 */
const LONG_NUMBER = /[:,[]\s*-?\d{16}/;

/** Stands for one byte of invalid UTF-8 in a decoded string (a lone surrogate never occurs otherwise). */
export const INVALID_BYTE_MARK = '\udfff';

function prepare(text: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) {
        if (text.startsWith('ufffd', i + 1) || text.startsWith('uFFFD', i + 1)) {
          out += `${text.slice(last, i)}\\udfff`;
          last = i + 6;
        }
        i++;
      } else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) j++;
        else break;
      }
      const token = text.slice(i, j);
      if (/^-?\d{16,}$/.test(token)) {
        out += `${text.slice(last, i)}"${token}"`;
        last = j;
      }
      i = j - 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * UTF-8 bytes as a string. Repository documents are nearly always ASCII, whose bytes are the
 * string's characters: copied as latin1 they skip the UTF-8 decoder (a fifth of decoding a tree).
 */
function bytesToText(bytes: Uint8Array): string {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  return view.toString(isAscii(view) ? 'latin1' : 'utf8');
}

/**
 * Parses a document. With `exact` false, the search for long numbers is skipped (it cost the
 * incremental backup ≈ 0.1 s per 20 MB of trees): an integer above 2^53 then arrives as an
 * inexact number, which Fields.bigUint refuses with InexactNumberError, and the caller parses
 * again exactly (decodeTree does).
 */
export function parseJson(bytes: Uint8Array | string, what: string, exact = true): unknown {
  const text = typeof bytes === 'string' ? bytes : bytesToText(bytes);
  try {
    return JSON.parse((exact && LONG_NUMBER.test(text)) || text.includes('\\u') ? prepare(text) : text);
  } catch (err) {
    throw new FormatError(`${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** An integer above 2^53 arrived as a JSON number: the document must be parsed exactly (parseJson). */
export class InexactNumberError extends FormatError {}

/** Field readers that turn wrong types into FormatErrors naming the field. */
export class Fields {
  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly what: string,
  ) {}

  static of(value: unknown, what: string): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FormatError(`${what} is not a JSON object`);
    return new Fields(value as Record<string, unknown>, what);
  }

  private fail(key: string, want: string): never {
    throw new FormatError(`${this.what}: field "${key}" must be ${want}`);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  raw(key: string): unknown {
    return this.obj[key];
  }

  string(key: string): string {
    const v = this.obj[key];
    if (typeof v !== 'string') this.fail(key, 'a string');
    return v;
  }

  optString(key: string): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(key, 'a string');
    return v;
  }

  /** A non-negative integer that fits a JS number. */
  uint(key: string, dflt = 0): number {
    const v = this.obj[key];
    if (v === undefined || v === null) return dflt;
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) this.fail(key, 'a non-negative integer below 2^53');
    return n;
  }

  /** A uint64, exact. */
  bigUint(key: string): bigint {
    const v = this.obj[key];
    if (v === undefined || v === null) return 0n;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) throw new InexactNumberError(`${this.what}: field "${key}" is too large for a JSON number read inexactly`);
    if (typeof v === 'string' && /^\d+$/.test(v) && BigInt(v) < 2n ** 64n) return BigInt(v);
    return this.fail(key, 'an unsigned 64-bit integer');
  }

  bool(key: string): boolean {
    const v = this.obj[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') this.fail(key, 'true or false');
    return v;
  }

  bytes(key: string): Buffer | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) this.fail(key, 'base64');
    return Buffer.from(v, 'base64');
  }

  stringArray(key: string): string[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) this.fail(key, 'a list of strings');
    return v;
  }

  array(key: string): unknown[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(key, 'a list');
    return v as unknown[];
  }
}
