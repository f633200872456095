/**
 * A tree blob's nodes as the native addon reads them in one pass (native/tree-scan.c, which has
 * the layout and the rules): for each node what a backup compares with a file's lstat (type,
 * inode, device, size, mtime, ctime), its content and subtree IDs, its name, and where its JSON
 * lies in the tree, so that a node kept as it was is copied into a new tree without being decoded
 * and encoded again. Nothing is decoded into a Node until `node()` asks for one.
 *
 * `release()` frees the scan and the tree's bytes at once (the bytes when they are the whole of
 * their ArrayBuffer, as a blob read for the caller is): a walk releases each directory's tree when
 * it is done with it. Left to the garbage collector, scans and trees promoted to the old
 * generation held ≈ 8 MiB of an incremental backup's peak until a full collection. A released
 * tree must not be read again; it throws if it is.
 *
 * `scanTree` gives undefined when the addon is not there, or the tree holds anything the scan
 * does not read (then decodeTree reads it and words any error). It also declines bytes that are
 * not UTF-8: decodeTree would replace invalid bytes, and the scan would keep them.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { Id } from '../../core/index.js';
import { freeArrayBuffer, nativeAvailable, scanTree as scanTreeBytes } from '../../native/index.js';
import { parseJson } from './json-reader.js';
import { type Node, type NodeType, NODE_TYPES, decodeNode } from './node.js';
import { treeError } from './tree.js';

/** 64-bit words per node in the scan (native/tree-scan.c's R_FIELDS) and the fields' places. */
const FIELDS = 11;
const INODE = 0;
const DEVICE_ID = 1;
const SIZE = 2;
const MTIME_SEC = 3;
const CTIME_SEC = 4;
/** Pairs of 32-bit halves: [mtime ns, ctime ns], [name start, end], [span start, end], [type, flags], [first ID, count], [subtree ID]. */
const NSECS = 5;
const NAME = 6;
const SPAN = 7;
const TYPE = 8;
const CONTENT = 9;
const SUBTREE = 10;
const HEADER_BYTES = 16;
const FLAG_SUBTREE = 1;
const ID_BYTES = 32;

export class ScannedTree {
  /** Nodes, in name order. */
  readonly count: number;
  private readonly words: BigUint64Array;
  private readonly signed: BigInt64Array;
  private readonly halves: Uint32Array;
  private readonly ids: Buffer;
  private readonly names: Buffer;
  private readonly text: BufferEncoding;
  private released = false;

  constructor(
    /** The tree's plaintext (node JSON is read from it); the caller's, freed by `release()` when it is a whole ArrayBuffer. */
    private readonly bytes: Buffer,
    private readonly scan: ArrayBuffer,
    private readonly id: Id | undefined,
  ) {
    const header = new Uint32Array(scan, 0, 4);
    const count = header[0]!;
    this.count = count;
    this.words = new BigUint64Array(scan, HEADER_BYTES, count * FIELDS);
    this.signed = new BigInt64Array(scan, HEADER_BYTES, count * FIELDS);
    this.halves = new Uint32Array(scan, HEADER_BYTES, count * FIELDS * 2);
    const idsAt = HEADER_BYTES + count * FIELDS * 8;
    this.ids = Buffer.from(scan, idsAt, header[1]! * ID_BYTES);
    this.names = Buffer.from(scan, idsAt + header[1]! * ID_BYTES, header[2]);
    this.text = isAscii(bytes) ? 'latin1' : 'utf8';
  }

  /** Frees the scan and the tree's bytes now; the tree is not read again. */
  release(): void {
    if (this.released) return;
    this.released = true;
    freeArrayBuffer(this.scan);
    const { buffer, byteOffset, byteLength } = this.bytes;
    if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) freeArrayBuffer(buffer);
  }

  private half(i: number, field: number, second: 0 | 1): number {
    this.live();
    return this.halves[(i * FIELDS + field) * 2 + second]!;
  }

  private live(): void {
    if (this.released) throw new Error(`internal error: tree ${this.id ?? ''} read after it was released`);
  }

  /** Node i's name compared with `name` in byte order (negative: the node's comes first). */
  compareName(i: number, name: Uint8Array): number {
    return this.names.compare(name, 0, name.length, this.half(i, NAME, 0), this.half(i, NAME, 1));
  }

  /** Node i's name as latin1 (which sorts like the bytes: TreeBuilder's key). */
  nameKey(i: number): string {
    return this.names.toString('latin1', this.half(i, NAME, 0), this.half(i, NAME, 1));
  }

  type(i: number): NodeType {
    return NODE_TYPES[this.half(i, TYPE, 0)]!;
  }

  inode(i: number): bigint {
    this.live();
    return this.words[i * FIELDS + INODE]!;
  }

  deviceId(i: number): bigint {
    this.live();
    return this.words[i * FIELDS + DEVICE_ID]!;
  }

  size(i: number): number {
    this.live();
    return Number(this.words[i * FIELDS + SIZE]!);
  }

  /** Whether node i's mtime and ctime are these instants (unix seconds, nanoseconds). */
  sameTimes(i: number, mtimeSec: bigint, mtimeNsec: number, ctimeSec: bigint, ctimeNsec: number): boolean {
    const at = i * FIELDS;
    this.live();
    return this.signed[at + MTIME_SEC] === mtimeSec && this.signed[at + CTIME_SEC] === ctimeSec && this.half(i, NSECS, 0) === mtimeNsec && this.half(i, NSECS, 1) === ctimeNsec;
  }

  /** Node i's content IDs, 32 raw bytes each, one after another (empty for none). */
  contentKeys(i: number): Buffer {
    const first = this.half(i, CONTENT, 0);
    return this.ids.subarray(first * ID_BYTES, (first + this.half(i, CONTENT, 1)) * ID_BYTES);
  }

  subtree(i: number): Id | undefined {
    if ((this.half(i, TYPE, 1) & FLAG_SUBTREE) === 0) return undefined;
    const at = this.half(i, SUBTREE, 0) * ID_BYTES;
    return this.ids.toString('hex', at, at + ID_BYTES) as Id;
  }

  /** Node i's JSON as it is in the tree. */
  json(i: number): string {
    return this.bytes.toString(this.text, this.half(i, SPAN, 0), this.half(i, SPAN, 1));
  }

  /** Node i decoded (decodeNode; errors name the tree). */
  node(i: number): Node {
    const what = `tree node ${i}`;
    try {
      return decodeNode(parseJson(this.bytes.subarray(this.half(i, SPAN, 0), this.half(i, SPAN, 1)), what), what);
    } catch (err) {
      throw treeError(err, this.id);
    }
  }
}

/**
 * The tree's nodes scanned, or undefined (see the header): then decodeTree reads it. `bytes` are
 * the scan's from then on: nothing else may hold them (`release()` frees them).
 */
export function scanTree(bytes: Buffer, id?: Id): ScannedTree | undefined {
  if (!nativeAvailable() || (!isAscii(bytes) && !isUtf8(bytes))) return undefined;
  const scan = scanTreeBytes(bytes);
  return scan && new ScannedTree(bytes, scan, id);
}
