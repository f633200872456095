/**
 * Tree blobs decoded one node at a time. A directory of a million entries is ≈ 250 MB of JSON;
 * parsed as one document it became a string of that size plus a million node objects (≈ 900 MiB
 * in all). Here the plaintext stays the only large allocation: each node's JSON is cut out of
 * it, parsed and decoded when the consumer asks for it.
 *
 *   pass 1: check the envelope `{"nodes":[{…},…]}` (JSON whitespace allowed where JSON allows
 *           it) and that every element is an object whose braces and strings close;
 *           any other shape goes to decodeTree, whole (same result, same errors)
 *   pass 2: for each element: UTF-8 → JSON.parse → decodeNode, yielded
 *
 * The blobs accepted and refused are exactly decodeTree's: pass 1 guarantees that the document
 * is valid JSON whenever every element is; an element that is not, or that decodeNode refuses,
 * throws the same FormatError decodeTree throws for it (a JSON syntax error gives its position
 * within the node), only after the nodes before it have been yielded.
 */
import { FormatError, type Id } from '../../core/index.js';
import { InexactNumberError, parseJson } from './json-reader.js';
import { type Node, decodeNode } from './node.js';
import { decodeTree } from './tree.js';

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const NODES_KEY = Buffer.from('"nodes"');

function skipSpace(b: Buffer, i: number): number {
  for (;;) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** The offset just after the `[` of `{"nodes":[`, or -1 for any other start. */
function arrayStart(b: Buffer): number {
  let i = skipSpace(b, 0);
  if (b[i] !== OPEN_BRACE) return -1;
  i = skipSpace(b, i + 1);
  if (b.length < i + NODES_KEY.length || !NODES_KEY.equals(b.subarray(i, i + NODES_KEY.length))) return -1;
  i = skipSpace(b, i + NODES_KEY.length);
  if (b[i] !== COLON) return -1;
  i = skipSpace(b, i + 1);
  return b[i] === OPEN_BRACKET ? i + 1 : -1;
}

/**
 * The offset after the object opening at `start`, or -1 when it does not close. Strings are
 * skipped whole (their quotes found by indexOf); brackets of both kinds are counted together:
 * a mismatch cuts a slice that JSON.parse refuses, as it refuses the whole document.
 */
function objectEnd(b: Buffer, start: number): number {
  let depth = 0;
  for (let i = start; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) {
      for (;;) {
        i = b.indexOf(QUOTE, i + 1);
        if (i < 0) return -1;
        let k = i - 1;
        while (b[k] === BACKSLASH) k--;
        if ((i - 1 - k) % 2 === 0) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

const NODE = 1;
const END = 0;
const OTHER_SHAPE = -1;

/** Steps through the elements of the nodes array: `start`/`end` bound the current one. */
class ElementCursor {
  start = 0;
  end = 0;
  private pos: number;
  private first = true;

  constructor(private readonly b: Buffer) {
    this.pos = arrayStart(b);
  }

  /** NODE (start/end set), END (the array and the document closed properly), or OTHER_SHAPE. */
  next(): number {
    const b = this.b;
    if (this.pos < 0) return OTHER_SHAPE;
    let i = skipSpace(b, this.pos);
    if (b[i] === CLOSE_BRACKET && this.first) return this.close(i);
    if (!this.first) {
      if (b[i] === CLOSE_BRACKET) return this.close(i);
      if (b[i] !== COMMA) return OTHER_SHAPE;
      i = skipSpace(b, i + 1);
    }
    this.first = false;
    if (b[i] !== OPEN_BRACE) return OTHER_SHAPE;
    const end = objectEnd(b, i);
    if (end < 0) return OTHER_SHAPE;
    this.start = i;
    this.end = end;
    this.pos = end;
    return NODE;
  }

  private close(bracket: number): number {
    this.pos = -1;
    let i = skipSpace(this.b, bracket + 1);
    if (this.b[i] !== CLOSE_BRACE) return OTHER_SHAPE;
    i = skipSpace(this.b, i + 1);
    return i === this.b.length ? END : OTHER_SHAPE;
  }
}

function decodeElement(text: string, what: string, exact: boolean): Node {
  return decodeNode(parseJson(text, 'tree', exact), what);
}

/**
 * The nodes of a tree blob, decoded one at a time (see the module comment); errors are
 * FormatErrors, prefixed with `tree ID: ` when `id` is given (as Repository.loadTree does).
 */
export function* decodeTreeNodes(bytes: Uint8Array, id?: Id): Generator<Node, void, undefined> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  try {
    const shape = new ElementCursor(b);
    let step: number;
    while ((step = shape.next()) === NODE);
    if (step === OTHER_SHAPE) {
      yield* decodeTree(b);
      return;
    }
    const cursor = new ElementCursor(b);
    // like decodeTree: plain JSON.parse until a node holds an integer above 2^53, exact from then on
    let exact = false;
    for (let i = 0; cursor.next() === NODE; i++) {
      const text = b.toString('utf8', cursor.start, cursor.end);
      const what = `tree node ${i}`;
      let node: Node;
      try {
        node = decodeElement(text, what, exact);
      } catch (err) {
        if (exact || !(err instanceof InexactNumberError)) throw err;
        exact = true;
        node = decodeElement(text, what, true);
      }
      yield node;
    }
  } catch (err) {
    if (id !== undefined && err instanceof FormatError) throw new FormatError(`tree ${id}: ${err.message}`, { cause: err });
    throw err;
  }
}
