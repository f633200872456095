/**
 * A directory's tree in the parent snapshot, as the walk looks its nodes up: by name, in the
 * byte order in which directory listings and trees are both sorted.
 *
 * The addon scans a tree in one pass (repository/model's scanTree): its nodes are compared and
 * kept without being decoded, and its subdirectories' trees are known at once, so that they can be
 * loaded ahead of the walk. A tree the scan does not read (or with no addon) is decoded into Nodes:
 * one up to LARGE_TREE_BYTES at once into a map, a larger one (a directory of thousands of
 * entries, such as /usr/share/man/man1 with 17,977 in 6.3 MB) a node at a time as the walk reaches
 * each name, so that its nodes are never all alive at once. Either way a node that does not decode
 * is reported once through `onUnreadable`, and from there on the tree has no more nodes: those
 * entries are read again.
 */
import type { Id } from '../../core/index.js';
import { type Node, type ScannedTree, type TreeBuilder, decodeTree, decodeTreeNodes, scanTree } from '../../repository/model/index.js';
import { DecodedParentNode, type ParentNode, ScannedParentNode } from './parent-node.js';

export type { ContentIndex, ParentNode } from './parent-node.js';

/** A tree's JSON above this many bytes is decoded a node at a time (≈ 3,000 nodes as backup writes them). */
export const LARGE_TREE_BYTES = 1024 * 1024;

/** One pass over a parent tree: `get` with names in ascending byte order. */
export interface ParentLookup {
  /** The node named `name`, or undefined when the tree has none. */
  get(name: Buffer): ParentNode | undefined;
  /** True when `get` has returned every node of the tree. */
  tookAll(): boolean;
}

export interface ParentTree {
  /** A new pass from the tree's first node. */
  lookup(): ParentLookup;
  /** Its directories' subtrees (known without a pass for a tree scanned or decoded at once, else none). */
  readonly subtrees: readonly Id[];
  /** Frees what the tree holds now (a scanned tree's buffer); it is not looked up again, nor are the nodes it gave. */
  release(): void;
}

const NOTHING_TO_RELEASE = (): void => undefined;

/** The tree of a directory that had no parent, or whose parent tree could not be read: no nodes, and never taken as the directory's tree. */
export const NO_PARENT: ParentTree = {
  lookup: () => ({ get: () => undefined, tookAll: () => false }),
  subtrees: [],
  release: NOTHING_TO_RELEASE,
};

/**
 * The parent tree of blob `id` with plaintext `bytes` (the tree's from then on: `release()` may
 * free them); `onUnreadable` is told of a node that does not decode, once.
 */
export function parentTree(id: Id, bytes: Buffer, onUnreadable: (err: Error) => void): ParentTree {
  let reported = false;
  const report = (err: unknown): void => {
    if (!reported) onUnreadable(err instanceof Error ? err : new Error(String(err)));
    reported = true;
  };
  const scanned = scanTree(bytes, id);
  if (scanned) return scannedTree(scanned);
  return bytes.length > LARGE_TREE_BYTES ? streamedTree(id, bytes, report) : decodedTree(id, bytes, report);
}

function scannedTree(tree: ScannedTree): ParentTree {
  const subtrees: Id[] = [];
  for (let i = 0; i < tree.count; i++) if (tree.type(i) === 'dir') subtrees.push(tree.subtree(i)!);
  return {
    lookup: () => {
      let next = 0;
      let passed = false;
      return {
        get: (name) => {
          while (next < tree.count) {
            const order = tree.compareName(next, name);
            if (order > 0) return undefined;
            const i = next++;
            if (order === 0) return new ScannedParentNode(tree, i);
            // a node no entry asked for: the directory lost it
            passed = true;
          }
          return undefined;
        },
        tookAll: () => next === tree.count && !passed,
      };
    },
    subtrees,
    release: () => tree.release(),
  };
}

function decodedTree(id: Id, bytes: Buffer, report: (err: unknown) => void): ParentTree {
  const nodes = new Map<string, DecodedParentNode>();
  try {
    for (const n of decodeTree(bytes, id)) nodes.set(n.name.toString('latin1'), new DecodedParentNode(n));
  } catch (err) {
    report(err);
    return NO_PARENT;
  }
  const subtrees: Id[] = [];
  for (const n of nodes.values()) if (n.type === 'dir' && n.subtree) subtrees.push(n.subtree);
  return {
    lookup: () => {
      let taken = 0;
      return {
        get: (name) => {
          const n = nodes.get(name.toString('latin1'));
          if (n) taken++;
          return n;
        },
        tookAll: () => taken === nodes.size,
      };
    },
    subtrees,
    release: NOTHING_TO_RELEASE,
  };
}

function streamedTree(id: Id, bytes: Buffer, report: (err: unknown) => void): ParentTree {
  return {
    lookup: () => {
      const nodes = decodeTreeNodes(bytes, id);
      let next: Node | undefined;
      let done = false;
      let passed = false;
      const advance = (): void => {
        try {
          const r = nodes.next();
          next = r.done ? undefined : r.value;
          done = r.done === true;
        } catch (err) {
          report(err);
          next = undefined;
          done = true;
          passed = true;
        }
      };
      advance();
      return {
        get: (name) => {
          while (next) {
            const order = Buffer.compare(next.name, name);
            if (order > 0) return undefined;
            const n = next;
            advance();
            if (order === 0) return new DecodedParentNode(n);
            // a node no entry asked for: the directory lost it
            passed = true;
          }
          return undefined;
        },
        tookAll: () => done && !passed,
      };
    },
    subtrees: [],
    release: NOTHING_TO_RELEASE,
  };
}

/**
 * Adds the parent's nodes of the first `count` entries of `scan` to `builder` as the parent tree
 * holds them (the entries the archiver held as in the parent). A function, not a closure in the
 * archiver's saveDir: one there would keep the listing and the parent tree alive until the
 * directory's files are stored, as the promise of its tree shares the closure's context.
 */
export function addParentNodes(builder: TreeBuilder, parents: ParentTree, scan: { name(i: number): Buffer }, count: number): void {
  const lookup = parents.lookup();
  for (let i = 0; i < count; i++) {
    lookup.get(scan.name(i))?.addTo(builder);
  }
}
