/**
 * A directory's tree in the parent snapshot, as the walk looks its nodes up: by name, in the
 * byte order in which directory listings and trees are both sorted.
 *
 * A tree up to LARGE_TREE_BYTES is decoded at once into a map, so that its subdirectories' trees
 * can be loaded ahead of the walk. A larger one (a directory of thousands of entries, such as
 * /usr/share/man/man1 with 17,977 in 6.3 MB) stays plaintext and is decoded a node at a time as
 * the walk reaches each name: its nodes are never all alive at once (decoded, that directory
 * took about 12 MiB of a backup's peak). Either way a node that does not decode is reported once
 * through `onUnreadable`, and from there on the tree has no more nodes: those entries are read
 * again.
 */
import type { Id } from '../../core/index.js';
import { type Node, type TreeBuilder, decodeTree, decodeTreeNodes } from '../../repository/model/index.js';

/** A tree's JSON above this many bytes is decoded a node at a time (≈ 3,000 nodes as backup writes them). */
export const LARGE_TREE_BYTES = 1024 * 1024;

/** One pass over a parent tree: `get` with names in ascending byte order. */
export interface ParentLookup {
  /** The node named `name`, or undefined when the tree has none. */
  get(name: Buffer): Node | undefined;
  /** True when `get` has returned every node of the tree. */
  tookAll(): boolean;
}

export interface ParentTree {
  /** A new pass from the tree's first node. */
  lookup(): ParentLookup;
  /** Its directories' subtrees (known without a pass for a tree decoded at once, else none). */
  readonly subtrees: readonly Id[];
}

/** The tree of a directory that had no parent, or whose parent tree could not be read: no nodes, and never taken as the directory's tree. */
export const NO_PARENT: ParentTree = {
  lookup: () => ({ get: () => undefined, tookAll: () => false }),
  subtrees: [],
};

/** The parent tree of blob `id` with plaintext `bytes`; `onUnreadable` is told of a node that does not decode, once. */
export function parentTree(id: Id, bytes: Buffer, onUnreadable: (err: Error) => void): ParentTree {
  let reported = false;
  const report = (err: unknown): void => {
    if (!reported) onUnreadable(err instanceof Error ? err : new Error(String(err)));
    reported = true;
  };
  return bytes.length > LARGE_TREE_BYTES ? streamedTree(id, bytes, report) : decodedTree(id, bytes, report);
}

function decodedTree(id: Id, bytes: Buffer, report: (err: unknown) => void): ParentTree {
  const nodes = new Map<string, Node>();
  try {
    for (const n of decodeTree(bytes, id)) nodes.set(n.name.toString('latin1'), n);
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
            if (order === 0) return n;
            // a node no entry asked for: the directory lost it
            passed = true;
          }
          return undefined;
        },
        tookAll: () => done && !passed,
      };
    },
    subtrees: [],
  };
}

/**
 * Adds the parent's nodes of the first `count` entries of `scan` to `builder` (the entries the
 * archiver held as in the parent). A function, not a closure in the archiver's saveDir: one there
 * would keep the listing and the parent tree alive until the directory's files are stored, as
 * the promise of its tree shares the closure's context.
 */
export function addParentNodes(builder: TreeBuilder, parents: ParentTree, scan: { name(i: number): Buffer }, count: number): void {
  const lookup = parents.lookup();
  for (let i = 0; i < count; i++) {
    const n = lookup.get(scan.name(i));
    if (n) builder.add(n);
  }
}
