/**
 * Loads the trees a walk (a restore, a rollback plan's comparison with the live files) will ask
 * for next while it works on the current one. The walk goes depth first and awaits each subtree:
 * without this, every tree's read (a round trip through the thread pool, then decryption) left the
 * main thread waiting between directories.
 *
 * At most `limit` trees are loaded ahead. A walk hints the subtrees of the directory it is in and
 * forgets, when it leaves the directory, those it did not ask for (excluded, or not created).
 */
import type { Id } from '../../core/index.js';
import type { Node } from '../../repository/model/index.js';
import type { TreeLoader } from './walk.js';

/** Trees loaded ahead of the walk: a few directories' worth of nodes. */
const TREES_AHEAD = 8;

export class TreePrefetch {
  private readonly ahead = new Map<Id, Promise<Node[]>>();

  constructor(
    private readonly reader: Pick<TreeLoader, 'loadTree'>,
    private readonly signal: AbortSignal | undefined,
    private readonly limit = TREES_AHEAD,
  ) {}

  /**
   * Starts loading `ids[from…]` in order while fewer than the limit are ahead; returns the index
   * of the first one not started.
   */
  hint(ids: readonly Id[], from: number): number {
    let i = from;
    for (; i < ids.length && this.ahead.size < this.limit; i++) {
      const id = ids[i]!;
      if (this.ahead.has(id)) continue;
      const tree = this.reader.loadTree(id, this.signal);
      // a failure is the walk's to report when it asks for the tree; one it never asks for is dropped with it
      tree.catch(() => undefined);
      this.ahead.set(id, tree);
    }
    return i;
  }

  /** The tree `id`: loaded ahead, or loaded now. */
  load(id: Id): Promise<Node[]> {
    const tree = this.ahead.get(id);
    if (tree === undefined) return this.reader.loadTree(id, this.signal);
    this.ahead.delete(id);
    return tree;
  }

  /** Drops `ids[0…to)` loaded ahead and not asked for (the walk left their directory). */
  forget(ids: readonly Id[], to: number): void {
    for (let i = 0; i < to; i++) this.ahead.delete(ids[i]!);
  }
}
