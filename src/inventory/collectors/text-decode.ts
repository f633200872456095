/**
 * Decoding text files as Windows admins produce them. Written by hand (TextDecoder does the
 * work) because the encoding is not declared anywhere and each PowerShell version differs:
 * Windows PowerShell 5.1 `Out-File`/`>` writes UTF-16 LE with a BOM, `Export-Csv -Encoding UTF8`
 * writes UTF-8 with a BOM, `-Encoding BigEndianUnicode` UTF-16 BE with a BOM, PowerShell 7
 * writes UTF-8 without a BOM, and the 5.1 `Export-Csv` default is ASCII (or ANSI when edited in
 * Excel). So: a BOM decides; without one, a NUL in every other byte means UTF-16; otherwise UTF-8
 * when it is valid UTF-8, else Windows-1252.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

export type TextEncodingName = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** The encoding a file's first bytes decide (a BOM, or UTF-16 by its NULs), else null. */
function encodingByPrefix(buf: Uint8Array): TextEncodingName | null {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return 'utf-8-bom';
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return 'utf-16le';
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return 'utf-16be';
  // BOM-less UTF-16: ASCII text has a zero high byte in every code unit
  const n = Math.min(buf.length, 512) & ~1;
  if (n >= 4) {
    let evenZero = 0;
    let oddZero = 0;
    for (let i = 0; i < n; i += 2) {
      if (buf[i] === 0) evenZero++;
      if (buf[i + 1] === 0) oddZero++;
    }
    if (oddZero > n / 4 && evenZero === 0) return 'utf-16le';
    if (evenZero > n / 4 && oddZero === 0) return 'utf-16be';
  }
  return null;
}

export function detectEncoding(buf: Uint8Array): TextEncodingName {
  const byPrefix = encodingByPrefix(buf);
  if (byPrefix) return byPrefix;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf);
    return 'utf-8';
  } catch {
    return 'windows-1252';
  }
}

/**
 * detectEncoding for a file, read in chunks (memory: one chunk, whatever the file's size):
 * the first 512 bytes decide a BOM or UTF-16; otherwise the whole file is checked as UTF-8.
 */
export async function detectFileEncoding(path: string, signal?: AbortSignal): Promise<TextEncodingName> {
  const head = Buffer.alloc(512);
  const fh = await open(path, 'r');
  let n: number;
  try {
    ({ bytesRead: n } = await fh.read(head, 0, head.length, 0));
  } finally {
    await fh.close();
  }
  const byPrefix = encodingByPrefix(head.subarray(0, n));
  if (byPrefix) return byPrefix;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES, signal }) as AsyncIterable<Buffer>) {
      utf8.decode(chunk, { stream: true });
    }
    utf8.decode();
    return 'utf-8';
  } catch (err) {
    if (err instanceof TypeError) return 'windows-1252';
    throw err;
  }
}

const CHUNK_BYTES = 64 * 1024;

/** Decodes a file chunk by chunk in the given encoding, dropping any BOM. */
export async function* decodeFileChunks(path: string, encoding: TextEncodingName, signal?: AbortSignal): AsyncGenerator<string> {
  const chunks = createReadStream(path, { highWaterMark: CHUNK_BYTES, signal }) as AsyncIterable<Buffer>;
  if (encoding === 'windows-1252') {
    for await (const chunk of chunks) yield decodeWindows1252(chunk);
    return;
  }
  // TextDecoder drops a leading BOM (ignoreBOM is false) and carries split sequences over
  const decoder = new TextDecoder(encoding === 'utf-16le' || encoding === 'utf-16be' ? 'utf-16le' : 'utf-8');
  let carry: Buffer | null = null;
  for await (let chunk of chunks) {
    if (encoding === 'utf-16be') {
      // swap byte pairs; an odd byte waits for the next chunk
      if (carry) chunk = Buffer.concat([carry, chunk]);
      const even = chunk.length & ~1;
      carry = even < chunk.length ? Buffer.from(chunk.subarray(even)) : null;
      chunk = Buffer.from(chunk.subarray(0, even));
      chunk.swap16();
    }
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/** Decodes `buf`, dropping any BOM; returns the text and the encoding found. */
export function decodeText(buf: Uint8Array): { text: string; encoding: TextEncodingName } {
  const encoding = detectEncoding(buf);
  switch (encoding) {
    case 'utf-8-bom':
      return { text: new TextDecoder('utf-8').decode(buf.subarray(3)), encoding };
    case 'utf-16le':
      return { text: new TextDecoder('utf-16le').decode(buf).replace(/^\uFEFF/, ''), encoding };
    case 'utf-16be': {
      // TextDecoder's utf-16be needs full ICU; swapping bytes works everywhere
      const swapped = Buffer.from(buf.subarray(0, buf.length & ~1));
      swapped.swap16();
      return { text: new TextDecoder('utf-16le').decode(swapped).replace(/^\uFEFF/, ''), encoding };
    }
    case 'utf-8':
      return { text: new TextDecoder('utf-8').decode(buf), encoding };
    case 'windows-1252':
      return { text: decodeWindows1252(buf), encoding };
  }
}

/** 0x80–0x9F of Windows-1252 (Node's TextDecoder treats the label as ISO-8859-1). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122,
  0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

export function decodeWindows1252(buf: Uint8Array): string {
  let out = '';
  for (let i = 0; i < buf.length; i += 8192) {
    const chunk = Array.from(buf.subarray(i, i + 8192), (b) => (b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80]! : b));
    out += String.fromCharCode(...chunk);
  }
  return out;
}
