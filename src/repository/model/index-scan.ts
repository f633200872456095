/**
 * Index files in the layout restic writes, read straight from their bytes: no JSON.parse, no
 * object or hex string per blob. Loading the bench repository's index (≈ 90,000 blobs) spent
 * ≈ 0.2 s of every command in JSON.parse, ID checks and the garbage they leave.
 *
 * Keys may come in any order and with any JSON whitespace. Anything else — escapes in strings,
 * unknown or repeated keys, null, numbers with a sign, fraction or exponent, the legacy array
 * form, a value decodeIndex would refuse — makes scanIndex return false before it reports a
 * single blob, and the caller decodes the file with decodeIndex, which also words the errors.
 * A hand-written scanner because no JSON library fills typed arrays without building objects.
 */
import { nativeAvailable, scanIndexJson } from '../../native/index.js';
import { MAX_BLOB_LENGTH, MIN_BLOB_LENGTH, blobRangeProblem } from './index-file.js';

/** Receives the blobs of a scanned index file; `id` is 32 raw bytes, valid during the call only. */
export type IndexBlobVisitor = (type: 'data' | 'tree', id: Uint8Array, packId: string, offset: number, length: number, uncompressedLength: number) => void;

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX[0x61 + i] = 10 + i;

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Not the layout this scanner reads: the caller falls back to decodeIndex. */
class Unexpected extends Error {}
const unexpected = new Unexpected();

/** The blobs scanned so far, FIELDS numbers each, reused across calls (scanIndex is synchronous). */
const FIELDS = 6; // where the ID's hex starts, pack, type (0 data, 1 tree), offset, length, uncompressed length
const INITIAL_BLOBS = 1024;
let blobColumns = new Float64Array(INITIAL_BLOBS * FIELDS);

function ensure(blobs: number): void {
  if (blobs * FIELDS <= blobColumns.length) return;
  const grown = new Float64Array(Math.max(blobs * FIELDS, blobColumns.length * 2));
  grown.set(blobColumns);
  blobColumns = grown;
}

const KEYS = ['id', 'type', 'offset', 'length', 'uncompressed_length', 'packs', 'blobs', 'supersedes'] as const;
const [K_ID, K_TYPE, K_OFFSET, K_LENGTH, K_PLAIN, K_PACKS, K_BLOBS, K_SUPERSEDES] = [0, 1, 2, 3, 4, 5, 6, 7];
const KEY_BYTES = KEYS.map((k) => Buffer.from(k, 'latin1'));

/** The scanner: plain loops and byte comparisons (a closure or a string per key made it slower than JSON.parse). */
class Scanner {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}

  /** Skips whitespace; returns the next byte (undefined at the end). */
  peek(): number | undefined {
    const b = this.b;
    let p = this.pos;
    let c = b[p];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
    this.pos = p;
    return c;
  }

  expect(c: number): void {
    if (this.peek() !== c) throw unexpected;
    this.pos++;
  }

  /** `,` (true) or the closing `close` (false). */
  more(close: number): boolean {
    const c = this.peek();
    this.pos++;
    if (c === COMMA) return true;
    if (c === close) return false;
    throw unexpected;
  }

  /** An opening bracket; true when the container is empty (its closing bracket is consumed too). */
  open(c: number, close: number): boolean {
    this.expect(c);
    if (this.peek() !== close) return false;
    this.pos++;
    return true;
  }

  /** A known key (K_*) and its colon. */
  key(): number {
    this.expect(QUOTE);
    const b = this.b;
    const start = this.pos;
    let end = start;
    while (end < b.length && b[end] !== QUOTE) end++;
    const len = end - start;
    let k = -1;
    for (let i = 0; i < KEY_BYTES.length; i++) {
      const want = KEY_BYTES[i]!;
      if (want.length !== len) continue;
      let j = 0;
      while (j < len && b[start + j] === want[j]) j++;
      if (j === len) {
        k = i;
        break;
      }
    }
    if (k < 0) throw unexpected;
    this.pos = end + 1;
    this.expect(COLON);
    return k;
  }

  /** A quoted 64-character lowercase hex ID; returns where its hex starts. */
  id(): number {
    this.expect(QUOTE);
    const start = this.pos;
    const b = this.b;
    if (start + 65 > b.length || b[start + 64] !== QUOTE) throw unexpected;
    for (let i = start; i < start + 64; i++) if (HEX[b[i]!]! < 0) throw unexpected;
    this.pos = start + 65;
    return start;
  }

  /** A non-negative integer in plain digits, without leading zeros, below 2^53. */
  uint(): number {
    this.peek();
    const b = this.b;
    let p = this.pos;
    let n = 0;
    const start = p;
    while (p < b.length && b[p]! >= 0x30 && b[p]! <= 0x39) n = n * 10 + (b[p++]! - 0x30);
    const digits = p - start;
    if (digits === 0 || digits > 15 || (digits > 1 && b[start] === 0x30)) throw unexpected;
    const next = b[p];
    if (next === 0x2e || next === 0x65 || next === 0x45) throw unexpected; // fraction or exponent
    this.pos = p;
    return n;
  }

  /** "data" or "tree": 0 or 1. */
  blobType(): number {
    this.expect(QUOTE);
    const b = this.b;
    const p = this.pos;
    if (b[p + 4] !== QUOTE) throw unexpected;
    let t: number;
    if (b[p] === 0x64 && b[p + 1] === 0x61 && b[p + 2] === 0x74 && b[p + 3] === 0x61) t = 0;
    else if (b[p] === 0x74 && b[p + 1] === 0x72 && b[p + 2] === 0x65 && b[p + 3] === 0x65) t = 1;
    else throw unexpected;
    this.pos = p + 5;
    return t;
  }
}

const OBJ = 0x7b;
const OBJ_END = 0x7d;
const ARR = 0x5b;
const ARR_END = 0x5d;

/** One blob object into the columns at `n`. */
function scanBlob(s: Scanner, n: number, pack: number): void {
  let id = -1;
  let type = -1;
  let offset = -1;
  let length = -1;
  let plain = -1;
  if (!s.open(OBJ, OBJ_END)) {
    do {
      const k = s.key();
      if (k === K_ID && id < 0) id = s.id();
      else if (k === K_TYPE && type < 0) type = s.blobType();
      else if (k === K_OFFSET && offset < 0) offset = s.uint();
      else if (k === K_LENGTH && length < 0) length = s.uint();
      else if (k === K_PLAIN && plain < 0) plain = s.uint();
      else throw unexpected;
    } while (s.more(OBJ_END));
  }
  // decodeIndex's rules; it words the error when they fail
  if (id < 0 || type < 0 || offset < 0 || blobRangeProblem(offset, length, plain < 0 ? 0 : plain) !== undefined) throw unexpected;
  const row = n * FIELDS;
  const c = blobColumns;
  c[row] = id;
  c[row + 1] = pack;
  c[row + 2] = type;
  c[row + 3] = offset;
  c[row + 4] = length;
  c[row + 5] = plain < 0 ? 0 : plain;
}

/** One pack object; returns the number of blobs scanned so far. */
function scanPack(s: Scanner, blobs: number, packIdAt: number[]): number {
  let packId = -1;
  let seenBlobs = false;
  const pack = packIdAt.length;
  if (!s.open(OBJ, OBJ_END)) {
    do {
      const k = s.key();
      if (k === K_ID && packId < 0) packId = s.id();
      else if (k === K_BLOBS && !seenBlobs) {
        seenBlobs = true;
        if (!s.open(ARR, ARR_END)) {
          do {
            ensure(blobs + 1);
            scanBlob(s, blobs++, pack);
          } while (s.more(ARR_END));
        }
      } else throw unexpected;
    } while (s.more(OBJ_END));
  }
  if (packId < 0 || !seenBlobs) throw unexpected;
  packIdAt.push(packId);
  return blobs;
}

function scan(bytes: Uint8Array): { blobs: number; packIdAt: number[] } {
  const s = new Scanner(bytes);
  const packIdAt: number[] = [];
  let blobs = 0;
  let seenPacks = false;
  let seenSupersedes = false;
  if (!s.open(OBJ, OBJ_END)) {
    do {
      const k = s.key();
      if (k === K_SUPERSEDES && !seenSupersedes) {
        seenSupersedes = true;
        if (!s.open(ARR, ARR_END)) {
          do s.id();
          while (s.more(ARR_END));
        }
      } else if (k === K_PACKS && !seenPacks) {
        seenPacks = true;
        if (!s.open(ARR, ARR_END)) {
          do blobs = scanPack(s, blobs, packIdAt);
          while (s.more(ARR_END));
        }
      } else throw unexpected;
    } while (s.more(OBJ_END));
  }
  s.peek();
  if (s.pos !== bytes.length || !seenPacks) throw unexpected;
  return { blobs, packIdAt };
}

/**
 * Reads an index file in restic's layout and reports each blob to `visit`, or returns false
 * without reporting any when the bytes are not in that layout, or hold compressed blobs and
 * `compressedAllowed` is false (see the header comment).
 */
export function scanIndex(bytes: Uint8Array, compressedAllowed: boolean, visit: IndexBlobVisitor): boolean {
  return nativeAvailable() ? scanNative(bytes, compressedAllowed, visit) : scanIndexInJs(bytes, compressedAllowed, visit);
}

/**
 * The addon's reader (native/index-scan.c), with the rules of this file: V8 runs the reader below
 * unoptimised for most of a command's first index load (≈ 90 ms for 63,000 blobs; ≈ 20 ms here).
 */
function scanNative(bytes: Uint8Array, compressedAllowed: boolean, visit: IndexBlobVisitor): boolean {
  const result = scanIndexJson(bytes, MIN_BLOB_LENGTH, MAX_BLOB_LENGTH);
  if (!result) return false;
  const { columns: c } = result;
  const blobs = c.length / NATIVE_COLUMNS;
  if (!compressedAllowed) for (let i = 0; i < blobs; i++) if (c[i * NATIVE_COLUMNS + 4]! > 0) return false;
  const packs = Buffer.from(result.packs);
  const packIds = Array.from({ length: packs.length / 32 }, (_, p) => packs.toString('hex', p * 32, p * 32 + 32));
  const ids = new Uint8Array(result.ids);
  const key = new Uint8Array(32);
  for (let i = 0; i < blobs; i++) {
    const row = i * NATIVE_COLUMNS;
    for (let j = 0, at = i * 32; j < 32; j++) key[j] = ids[at + j]!;
    visit(c[row + 1] === 1 ? 'tree' : 'data', key, packIds[c[row]!]!, c[row + 2]!, c[row + 3]!, c[row + 4]!);
  }
  return true;
}

/** Numbers per blob in scanIndexJson's columns: pack, type, offset, length, uncompressed length. */
const NATIVE_COLUMNS = 5;

/** scanIndex without the addon (the reader it falls back to; tests hold both to the same results). */
export function scanIndexInJs(bytes: Uint8Array, compressedAllowed: boolean, visit: IndexBlobVisitor): boolean {
  let result: { blobs: number; packIdAt: number[] };
  try {
    result = scan(bytes);
  } catch (err) {
    if (err === unexpected) return false;
    throw err;
  }
  const { blobs, packIdAt } = result;
  const c = blobColumns;
  if (!compressedAllowed) for (let i = 0; i < blobs; i++) if (c[i * FIELDS + 5]! > 0) return false;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packIds = packIdAt.map((at) => text.toString('latin1', at, at + 64));
  const key = new Uint8Array(32);
  for (let i = 0; i < blobs; i++) {
    const row = i * FIELDS;
    const at = c[row]!;
    for (let j = 0; j < 32; j++) key[j] = (HEX[bytes[at + 2 * j]!]! << 4) | HEX[bytes[at + 2 * j + 1]!]!;
    visit(c[row + 2] === 1 ? 'tree' : 'data', key, packIds[c[row + 1]!]!, c[row + 3]!, c[row + 4]!, c[row + 5]!);
  }
  // a large index file's columns are not kept for the rest of the process (48 bytes per blob)
  if (blobColumns.length > INITIAL_BLOBS * FIELDS) blobColumns = new Float64Array(INITIAL_BLOBS * FIELDS);
  return true;
}
