/**
 * Depth-first walk of a snapshot's trees. Paths are raw bytes (names need not be UTF-8),
 * absolute within the snapshot ('/home/user/file'), joined with '/'.
 */
import type { Id } from '../../core/index.js';
import type { Node } from '../../repository/model/index.js';

export interface TreeLoader {
  loadTree(id: Id, signal?: AbortSignal): Promise<Node[]>;
}

export interface WalkEntry {
  /** '/'-joined raw path of the node within the snapshot, starting with '/'. */
  path: Buffer;
  node: Node;
}

export interface WalkOptions {
  signal?: AbortSignal;
  /** Return false to skip a directory's contents. */
  descend?: (entry: WalkEntry) => boolean;
}

const SLASH = Buffer.from('/');

export function joinPath(parent: Buffer, name: Uint8Array): Buffer {
  return parent.length === 1 && parent[0] === 0x2f ? Buffer.concat([SLASH, name]) : Buffer.concat([parent, SLASH, name]);
}

/**
 * Yields every node below `treeId` in tree order (pre-order: a directory before its contents).
 * Iterative, with an explicit stack of open directories: a tree 10,000 levels deep costs 10,000
 * small frames on the heap, not nested generators on the call stack.
 */
export async function* walkTree(loader: TreeLoader, treeId: Id, base: Buffer = SLASH, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const stack: { nodes: Node[]; next: number; path: Buffer }[] = [{ nodes: await loader.loadTree(treeId, options.signal), next: 0, path: base }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next >= top.nodes.length) {
      stack.pop();
      continue;
    }
    const node = top.nodes[top.next++]!;
    const entry = { path: joinPath(top.path, node.name), node };
    yield entry;
    if (node.type === 'dir' && node.subtree && (options.descend?.(entry) ?? true)) {
      stack.push({ nodes: await loader.loadTree(node.subtree, options.signal), next: 0, path: entry.path });
    }
  }
}

/**
 * Finds the node at `path` ('/a/b', raw bytes) below the root tree; returns the root itself as a
 * synthetic dir node for '/' or ''. Undefined if any component is missing.
 */
export async function findNode(loader: TreeLoader, rootTree: Id, path: Buffer, signal?: AbortSignal): Promise<Node | undefined> {
  const parts = splitPath(path);
  let tree: Id | undefined = rootTree;
  let found: Node | undefined;
  for (const part of parts) {
    if (!tree) return undefined;
    const nodes = await loader.loadTree(tree, signal);
    found = nodes.find((n) => n.name.equals(part));
    if (!found) return undefined;
    tree = found.type === 'dir' ? found.subtree : undefined;
  }
  return found;
}

export function splitPath(path: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path[i] === 0x2f) {
      if (i > start) parts.push(path.subarray(start, i));
      start = i + 1;
    }
  }
  return parts;
}
