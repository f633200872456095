/** UTF-8 decoding with Go's validity rules (utf8.DecodeRune): one rune, or an invalid byte. */

export interface DecodedRune {
  /** Code point, or -1 when the byte at the position does not start a valid sequence. */
  rune: number;
  size: number;
}

export function decodeRune(b: Uint8Array, i: number): DecodedRune {
  const c0 = b[i]!;
  if (c0 < 0x80) return { rune: c0, size: 1 };
  const cont = (k: number, lo = 0x80, hi = 0xbf): number => {
    const c = b[i + k];
    return c !== undefined && c >= lo && c <= hi ? c & 0x3f : -1;
  };
  if (c0 >= 0xc2 && c0 <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? { rune: -1, size: 1 } : { rune: ((c0 & 0x1f) << 6) | c1, size: 2 };
  }
  if (c0 >= 0xe0 && c0 <= 0xef) {
    const lo = c0 === 0xe0 ? 0xa0 : 0x80;
    const hi = c0 === 0xed ? 0x9f : 0xbf;
    const c1 = cont(1, lo, hi);
    const c2 = c1 < 0 ? -1 : cont(2);
    return c2 < 0 ? { rune: -1, size: 1 } : { rune: ((c0 & 0x0f) << 12) | (c1 << 6) | c2, size: 3 };
  }
  if (c0 >= 0xf0 && c0 <= 0xf4) {
    const lo = c0 === 0xf0 ? 0x90 : 0x80;
    const hi = c0 === 0xf4 ? 0x8f : 0xbf;
    const c1 = cont(1, lo, hi);
    const c2 = c1 < 0 ? -1 : cont(2);
    const c3 = c2 < 0 ? -1 : cont(3);
    return c3 < 0 ? { rune: -1, size: 1 } : { rune: ((c0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, size: 4 };
  }
  return { rune: -1, size: 1 };
}

/** True when every byte belongs to a valid UTF-8 sequence. */
export function isValidUtf8(b: Uint8Array): boolean {
  for (let i = 0; i < b.length;) {
    if (b[i]! < 0x80) {
      i++;
      continue;
    }
    const r = decodeRune(b, i);
    if (r.rune < 0) return false;
    i += r.size;
  }
  return true;
}

/** Decodes UTF-8, each invalid byte becoming `mark` (Go's string(bytes) keeps them; JSON shows \ufffd). */
export function decodeUtf8WithMarks(b: Uint8Array, mark: string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < b.length;) {
    if (b[i]! < 0x80) {
      i++;
      continue;
    }
    const r = decodeRune(b, i);
    if (r.rune >= 0) {
      i += r.size;
      continue;
    }
    out += Buffer.from(b.buffer, b.byteOffset + start, i - start).toString('utf8') + mark;
    i++;
    start = i;
  }
  return out + Buffer.from(b.buffer, b.byteOffset + start, b.length - start).toString('utf8');
}
