/** Tree blobs (spec 8.1): `{"nodes":[…]}\n`, nodes sorted by raw name bytes, no duplicates. */
import { FormatError, type Id } from '../../core/index.js';
import { parseJson, Fields } from './json-reader.js';
import { type Node, decodeNode, encodeNode } from './node.js';

export const EMPTY_TREE_ID = 'ac08ce34ba4f8123618661bef2425f7028ffb9ac740578a3ee88684d2523fee8' as Id;

export function encodeTree(nodes: readonly Node[]): Buffer {
  const sorted = [...nodes].sort((a, b) => Buffer.compare(a.name, b.name));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1]!.name.equals(sorted[i]!.name)) throw new FormatError(`duplicate name ${JSON.stringify(sorted[i]!.name.toString())} in tree`);
  }
  return Buffer.from(`{"nodes":[${sorted.map(encodeNode).join(',')}]}\n`, 'utf8');
}

export function decodeTree(bytes: Uint8Array): Node[] {
  const f = Fields.of(parseJson(bytes, 'tree'), 'tree');
  const nodes = f.array('nodes') ?? [];
  return nodes.map((n, i) => decodeNode(n, `tree node ${i}`));
}
