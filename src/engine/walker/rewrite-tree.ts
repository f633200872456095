/**
 * Rewrites a snapshot's trees bottom-up (restic's tree rewriter, used by `rewrite` and
 * `repair snapshots`): every node is offered to `rewriteNode`, which keeps it, replaces it or
 * removes it; a tree that cannot be loaded is offered to `rewriteFailedTree`. A tree in which
 * nothing changed keeps its ID (its bytes are not re-encoded), so unchanged subtrees stay shared
 * with the original snapshot and nothing new is stored for them.
 *
 *   rewrite(tree, path):
 *     nodes = load(tree)            on failure: nodes = rewriteFailedTree(tree, path) or fail
 *     for node in nodes:
 *       node' = rewriteNode(node, path/name)      removed → changed
 *       if node' is a dir: node'.subtree = rewrite(node'.subtree, path/name)
 *     changed ? save(encode(nodes')) : tree
 */
import type { Id } from '../../core/index.js';
import { type Node, encodeTree } from '../../repository/model/index.js';

export interface TreeRewriterPorts {
  loadTree(id: Id, signal?: AbortSignal): Promise<Node[]>;
  /** Stores an encoded tree (deduplicated); returns its ID. */
  saveTree(json: Uint8Array): Promise<Id>;
}

export interface TreeRewriteOptions {
  /**
   * The node to keep at `path` ('/a/b', the node's path in the snapshot): the node itself,
   * a changed copy, or undefined to remove it (a removed directory is not descended into).
   */
  rewriteNode?: (node: Node, path: string) => Node | undefined;
  /**
   * The nodes to use for a tree that cannot be loaded (at `path`, '/' for the root), or
   * undefined to remove it (the root: the whole snapshot). Without this callback the error
   * is thrown.
   */
  rewriteFailedTree?: (id: Id, path: string, err: unknown) => Node[] | undefined;
  signal?: AbortSignal;
}

/** What the rewritten tree holds: counts as restic's snapshot summary states them. */
export interface TreeTotals {
  files: number;
  bytes: number;
}

interface Rewritten {
  id: Id | undefined;
  totals: TreeTotals;
}

const childPath = (parent: string, name: Buffer): string => (parent === '/' ? `/${name.toString()}` : `${parent}/${name.toString()}`);

export class TreeRewriter {
  /** Results per (tree, path): the same tree at another path may be rewritten differently. */
  private readonly done = new Map<string, Rewritten>();

  constructor(
    private readonly ports: TreeRewriterPorts,
    private readonly options: TreeRewriteOptions,
  ) {}

  /**
   * The ID of the rewritten tree `id` at `path` (the same ID when nothing changed), or
   * undefined when the tree was removed (`rewriteFailedTree` returned undefined), with the
   * number of files and their bytes in what remains.
   */
  async rewrite(id: Id, path = '/'): Promise<{ id: Id | undefined; totals: TreeTotals }> {
    const key = `${id}\0${path}`;
    const cached = this.done.get(key);
    if (cached) return cached;
    let nodes: Node[];
    let changed = false;
    try {
      nodes = await this.ports.loadTree(id, this.options.signal);
    } catch (err) {
      this.options.signal?.throwIfAborted();
      if (!this.options.rewriteFailedTree) throw err;
      const replacement = this.options.rewriteFailedTree(id, path, err);
      if (replacement === undefined) {
        const removed = { id: undefined, totals: { files: 0, bytes: 0 } };
        this.done.set(key, removed);
        return removed;
      }
      nodes = replacement;
      changed = true;
    }
    const out: Node[] = [];
    const totals: TreeTotals = { files: 0, bytes: 0 };
    for (const node of nodes) {
      const p = childPath(path, node.name);
      const kept = this.options.rewriteNode ? this.options.rewriteNode(node, p) : node;
      if (kept === undefined) {
        changed = true;
        continue;
      }
      if (kept !== node) changed = true;
      let next = kept;
      if (kept.type === 'dir' && kept.subtree) {
        const sub = await this.rewrite(kept.subtree, p);
        totals.files += sub.totals.files;
        totals.bytes += sub.totals.bytes;
        if (sub.id === undefined) {
          // a subtree removed by rewriteFailedTree: the directory goes with it
          changed = true;
          continue;
        }
        if (sub.id !== kept.subtree) {
          next = { ...kept, subtree: sub.id };
          changed = true;
        }
      } else if (kept.type === 'file') {
        totals.files++;
        totals.bytes += kept.size;
      }
      out.push(next);
    }
    const result = { id: changed ? await this.ports.saveTree(encodeTree(out)) : id, totals };
    this.done.set(key, result);
    return result;
  }
}
