/** Tree blobs (spec 8.1): `{"nodes":[…]}\n`, nodes sorted by raw name bytes, no duplicates. */
import { FormatError, type Id } from '../../core/index.js';
import { Fields, InexactNumberError, parseJson } from './json-reader.js';
import { type Node, contentField, decodeNode, encodeNode, nodeTypeField, subtreeField } from './node.js';

export const EMPTY_TREE_ID = 'ac08ce34ba4f8123618661bef2425f7028ffb9ac740578a3ee88684d2523fee8' as Id;

export function encodeTree(nodes: readonly Node[]): Buffer {
  const b = new TreeBuilder();
  for (const n of nodes) b.add(n);
  return b.encode();
}

/**
 * A tree being assembled: each node is encoded when it is added and kept as two strings (its
 * name as latin1, which sorts like the raw bytes, and its JSON), so a directory whose files are
 * still being read holds ≈ 0.4 KiB per entry instead of a `Node` object with its Buffer, bigints,
 * time strings and content array (≈ 1 KiB).
 */
export class TreeBuilder {
  private readonly names: string[] = [];
  private readonly json: string[] = [];

  get size(): number {
    return this.names.length;
  }

  add(node: Node): void {
    this.names.push(node.name.toString('latin1'));
    const json = encodeNode(node);
    // the encoder concatenates dozens of pieces: reading a character makes V8 flatten the rope
    // into one sequential string (the pieces, several times its size, become garbage at once)
    json.charCodeAt(0);
    this.json.push(json);
  }

  /** A node already encoded (`json`, as a tree holds it) under `nameKey`, its name as latin1. */
  addEncoded(nameKey: string, json: string): void {
    this.names.push(nameKey);
    this.json.push(json);
  }

  /** `{"nodes":[…]}\n`, nodes sorted by raw name bytes; a duplicate name is a FormatError. */
  encode(): Buffer {
    const { names, json } = this;
    const order = Array.from(names, (_, i) => i).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
    for (let i = 1; i < order.length; i++) {
      const name = names[order[i]!]!;
      if (names[order[i - 1]!] === name) throw new FormatError(`duplicate name ${JSON.stringify(Buffer.from(name, 'latin1').toString())} in tree`);
    }
    return Buffer.from(`{"nodes":[${order.map((i) => json[i]).join(',')}]}\n`, 'utf8');
  }
}

function decodeNodes(json: unknown): Node[] {
  const nodes = Fields.of(json, 'tree').array('nodes') ?? [];
  return nodes.map((n, i) => decodeNode(n, `tree node ${i}`));
}

/** `err` as thrown for tree `id`'s blob: a FormatError's message starts with `tree ID: `. */
export function treeError(err: unknown, id: Id | undefined): unknown {
  return id !== undefined && err instanceof FormatError ? new FormatError(`tree ${id}: ${err.message}`, { cause: err }) : err;
}

/** A tree blob's nodes; with `id`, FormatErrors name the tree (treeError). */
export function decodeTree(bytes: Uint8Array, id?: Id): Node[] {
  // trees rarely hold an integer above 2^53 (inode numbers of some file systems): parse without
  // looking for one, and again exactly when a field turns out to need it
  try {
    try {
      return decodeNodes(parseJson(bytes, 'tree', false));
    } catch (err) {
      if (!(err instanceof InexactNumberError)) throw err;
      return decodeNodes(parseJson(bytes, 'tree'));
    }
  } catch (err) {
    throw treeError(err, id);
  }
}

/** The blobs a tree refers to: its files' content and its directories' subtrees, in node order. */
export interface TreeReferences {
  content: Id[];
  subtrees: Id[];
}

/**
 * What a walk that only follows references needs of a tree (prune's over every snapshot): the
 * document's shape, each node's type, its files' content IDs and its directories' subtrees,
 * checked as decodeTree checks them. The other fields, which decodeTree turns into a Node (a
 * Buffer, four bigints, three times), are not read. With `id`, FormatErrors name the tree.
 */
export function treeReferences(bytes: Uint8Array, id?: Id): TreeReferences {
  try {
    return readReferences(bytes);
  } catch (err) {
    throw treeError(err, id);
  }
}

function readReferences(bytes: Uint8Array): TreeReferences {
  const nodes = Fields.of(parseJson(bytes, 'tree', false), 'tree').array('nodes') ?? [];
  const refs: TreeReferences = { content: [], subtrees: [] };
  for (let i = 0; i < nodes.length; i++) {
    const what = `tree node ${i}`;
    const f = Fields.of(nodes[i], what);
    const type = nodeTypeField(f, what);
    // one push per ID: a huge file's list is too long to spread into arguments
    if (type === 'file') for (const id of contentField(f, what) ?? []) refs.content.push(id);
    else if (type === 'dir') refs.subtrees.push(subtreeField(f, type, what)!);
  }
  return refs;
}
