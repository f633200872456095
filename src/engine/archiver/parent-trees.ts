/**
 * The parent snapshot's trees as the walk needs them: each directory's tree when the walk enters
 * it, and those of its subdirectories loaded ahead while it is walked (a few at a time). A tree
 * that cannot be read is reported and stands as NO_PARENT: that directory's files are read again.
 * Each tree handed out is its taker's alone, who releases it when done; one loaded ahead and never
 * taken is released here.
 */
import type { Id } from '../../core/index.js';
import { NO_PARENT, type ParentTree, parentTree } from './parent-tree.js';

/** Parent trees loaded ahead of the walk at most (waiting to be walked). */
const MAX_PREFETCHED_TREES = 8;

export class ParentTrees {
  /** Trees being loaded ahead of the walk (the subdirectories of the directory being walked). */
  private readonly prefetched = new Map<Id, Promise<ParentTree>>();

  constructor(
    private readonly loadBlob: (id: Id) => Promise<Buffer>,
    private readonly onWarning: ((item: string, message: string) => void) | undefined,
  ) {}

  /** Tree `tree` (NO_PARENT for none), its subdirectories' trees then loaded ahead. */
  async take(tree: Id | undefined): Promise<ParentTree> {
    if (!tree) return NO_PARENT;
    const ahead = this.prefetched.get(tree);
    this.prefetched.delete(tree);
    const parents = await (ahead ?? this.load(tree));
    // a few at a time: each tree held is memory, and each load listens on the signal
    for (const subtree of parents.subtrees) {
      if (this.prefetched.size >= MAX_PREFETCHED_TREES) break;
      if (!this.prefetched.has(subtree)) this.prefetched.set(subtree, this.load(subtree));
    }
    return parents;
  }

  /** Forgets a tree loaded ahead and not taken (its directory was not walked), and frees it once loaded. */
  drop(tree: Id): void {
    void this.prefetched.get(tree)?.then((t) => t.release());
    this.prefetched.delete(tree);
  }

  private async load(tree: Id): Promise<ParentTree> {
    const unreadable = (err: unknown): void => this.onWarning?.(tree, `parent tree unreadable, files are read again: ${(err as Error).message}`);
    try {
      return parentTree(tree, await this.loadBlob(tree), unreadable);
    } catch (err) {
      unreadable(err);
      return NO_PARENT;
    }
  }
}
