/**
 * Depth-first walk of a snapshot's trees. Paths are raw bytes (names need not be UTF-8),
 * absolute within the snapshot ('/home/user/file'), joined with '/'.
 */
import type { Id } from '../../core/index.js';
import type { Node } from '../../repository/model/index.js';

export interface TreeLoader {
  loadTree(id: Id, signal?: AbortSignal): Promise<Node[]>;
  /**
   * The same nodes decoded one at a time as the iteration reaches them (Repository has it):
   * when present, walks hold a huge directory as its blob's bytes, never as an array of nodes.
   */
  loadTreeNodes?(id: Id, signal?: AbortSignal): Promise<Iterable<Node>>;
}

/** The nodes of a tree as an iterator: streamed when the loader can, else from the array. */
export async function treeNodes(loader: TreeLoader, id: Id, signal?: AbortSignal): Promise<Iterator<Node>> {
  const nodes = loader.loadTreeNodes ? await loader.loadTreeNodes(id, signal) : await loader.loadTree(id, signal);
  return nodes[Symbol.iterator]();
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
 * small frames on the heap, not nested generators on the call stack. Each frame holds an
 * iterator over its directory's nodes (treeNodes): a directory of a million entries costs its
 * blob's bytes and the node being yielded, not a million node objects.
 */
export async function* walkTree(loader: TreeLoader, treeId: Id, base: Buffer = SLASH, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const stack: { nodes: Iterator<Node>; path: Buffer }[] = [{ nodes: await treeNodes(loader, treeId, options.signal), path: base }];
  try {
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = top.nodes.next();
      if (next.done) {
        stack.pop();
        continue;
      }
      const node = next.value;
      const entry = { path: joinPath(top.path, node.name), node };
      yield entry;
      if (node.type === 'dir' && node.subtree && (options.descend?.(entry) ?? true)) {
        stack.push({ nodes: await treeNodes(loader, node.subtree, options.signal), path: entry.path });
      }
    }
  } finally {
    // a consumer that stops early (or an error) closes the open directories' iterators
    for (const frame of stack) frame.nodes.return?.();
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
    const nodes = await treeNodes(loader, tree, signal);
    // read to the end, as the array was: a malformed node after the match is still an error
    found = undefined;
    for (let next = nodes.next(); !next.done; next = nodes.next()) {
      if (!found && next.value.name.equals(part)) found = next.value;
    }
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
