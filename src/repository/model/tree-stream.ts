/**
 * Tree blobs decoded one node at a time. A directory of a million entries is ≈ 200 MB of JSON;
 * parsed as one document it became a string of that size plus a million node objects (≈ 900 MiB
 * in all). Here the plaintext stays the only large allocation: each node's JSON is cut out of
 * it, parsed and decoded when the consumer asks for it.
 *
 *   pass 1: check the envelope `{"nodes":[{…},…]}` (JSON whitespace allowed where JSON allows
 *           it) and that every element is an object whose braces and strings close, noting
 *           where each ends; any other shape goes to decodeTree, whole (same result, same errors)
 *   pass 2: for each element: UTF-8 → JSON.parse → decodeNode, yielded
 *
 * The blobs accepted and refused are exactly decodeTree's: pass 1 guarantees that the document
 * is valid JSON whenever every element is; an element that is not, or that decodeNode refuses,
 * throws the same FormatError decodeTree throws for it (a JSON syntax error gives its position
 * within the node), only after the nodes before it have been yielded.
 */
import type { Id } from '../../core/index.js';
import { InexactNumberError, parseJson } from './json-reader.js';
import { type Node, decodeNode } from './node.js';
import { decodeTree, treeError } from './tree.js';

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

/**
 * Pass 1: the end offset of each element of the nodes array, or undefined when the blob is not
 * `{"nodes":[{…},…]}` closed by whitespace only. Four to eight bytes per node, whose JSON takes
 * 26 bytes or more when it decodes (≈ 200 as backup writes them): 1–4 % of the blob.
 */
function elementEnds(b: Buffer): Uint32Array | undefined {
  let i = arrayStart(b);
  if (i < 0) return undefined;
  let ends = new Uint32Array(1024);
  let count = 0;
  for (;;) {
    i = skipSpace(b, i);
    if (b[i] === CLOSE_BRACKET) break;
    if (count > 0) {
      if (b[i] !== COMMA) return undefined;
      i = skipSpace(b, i + 1);
    }
    if (b[i] !== OPEN_BRACE) return undefined;
    i = objectEnd(b, i);
    if (i < 0) return undefined;
    if (count === ends.length) {
      const grown = new Uint32Array(count * 2);
      grown.set(ends);
      ends = grown;
    }
    ends[count++] = i;
  }
  i = skipSpace(b, i + 1);
  if (b[i] !== CLOSE_BRACE) return undefined;
  return skipSpace(b, i + 1) === b.length ? ends.subarray(0, count) : undefined;
}

function decodeElement(text: string, what: string, exact: boolean): Node {
  return decodeNode(parseJson(text, 'tree', exact), what);
}

/**
 * The nodes of a tree blob, decoded one at a time (see the module comment); errors are
 * FormatErrors, prefixed with `tree ID: ` when `id` is given (treeError, as Repository.loadTree does).
 */
export function* decodeTreeNodes(bytes: Uint8Array, id?: Id): Generator<Node, void, undefined> {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  try {
    const ends = elementEnds(b);
    if (!ends) {
      yield* decodeTree(b);
      return;
    }
    // like decodeTree: plain JSON.parse until a node holds an integer above 2^53, exact from then on
    let exact = false;
    let pos = arrayStart(b);
    for (let i = 0; i < ends.length; i++) {
      // pass 1 saw the shape: whitespace, a comma after the first node, then the node's '{'
      let start = skipSpace(b, pos);
      if (i > 0) start = skipSpace(b, start + 1);
      pos = ends[i]!;
      const text = b.toString('utf8', start, pos);
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
    throw treeError(err, id);
  }
}
