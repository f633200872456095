/**
 * Walks two trees in lockstep (both are sorted by name bytes) and reports what changed:
 * added, removed, modified (content), type changed, or metadata only. Unchanged subtrees
 * (same tree ID) are skipped without loading them; the others are streamed (treeNodes).
 */
import type { Id } from '../../core/index.js';
import type { Node } from '../../repository/model/index.js';
import { type TreeLoader, joinPath, treeNodes } from './walk.js';

export type ChangeKind = 'added' | 'removed' | 'modified' | 'type' | 'metadata';

export interface Change {
  kind: ChangeKind;
  path: Buffer;
  /** The node before (removed, modified, type, metadata) and after (added, modified, type, metadata). */
  before?: Node;
  after?: Node;
}

function sameContent(a: Node, b: Node): boolean {
  const ca = a.content ?? [];
  const cb = b.content ?? [];
  return ca.length === cb.length && ca.every((id, i) => id === cb[i]) && a.linktarget === b.linktarget && a.device === b.device;
}

function sameMetadata(a: Node, b: Node): boolean {
  return a.mode === b.mode && a.mtime === b.mtime && a.uid === b.uid && a.gid === b.gid && JSON.stringify(a.extendedAttributes ?? []) === JSON.stringify(b.extendedAttributes ?? []);
}

async function* everything(loader: TreeLoader, node: Node, path: Buffer, kind: 'added' | 'removed', signal?: AbortSignal): AsyncGenerator<Change> {
  yield kind === 'added' ? { kind, path, after: node } : { kind, path, before: node };
  if (node.type === 'dir' && node.subtree) yield* children(loader, node.subtree, path, kind, signal);
}

/** Everything below directory `path` (tree `tree`), all added or all removed. */
async function* children(loader: TreeLoader, tree: Id, path: Buffer, kind: 'added' | 'removed', signal?: AbortSignal): AsyncGenerator<Change> {
  const nodes = await treeNodes(loader, tree, signal);
  for (let c = next(nodes); c; c = next(nodes)) yield* everything(loader, c, joinPath(path, c.name), kind, signal);
}

/** The next node of a tree's iterator, undefined at its end. */
function next(nodes: Iterator<Node>): Node | undefined {
  const n = nodes.next();
  return n.done ? undefined : n.value;
}

const NO_NODES: readonly Node[] = [];

/** Changes from tree `a` to tree `b` (either may be undefined: everything added or removed). */
export async function* diffTrees(loader: TreeLoader, a: Id | undefined, b: Id | undefined, base: Buffer = Buffer.from('/'), signal?: AbortSignal): AsyncGenerator<Change> {
  if (a === b) return;
  // both trees streamed, side by side: two huge directories cost their blobs, not two arrays
  const left = a ? await treeNodes(loader, a, signal) : NO_NODES[Symbol.iterator]();
  const right = b ? await treeNodes(loader, b, signal) : NO_NODES[Symbol.iterator]();
  let l = next(left);
  let r = next(right);
  while (l || r) {
    const cmp = !l ? 1 : !r ? -1 : Buffer.compare(l.name, r.name);
    if (cmp < 0) {
      const removed = l!;
      l = next(left);
      yield* everything(loader, removed, joinPath(base, removed.name), 'removed', signal);
      continue;
    }
    if (cmp > 0) {
      const added = r!;
      r = next(right);
      yield* everything(loader, added, joinPath(base, added.name), 'added', signal);
      continue;
    }
    const [before, after] = [l!, r!];
    l = next(left);
    r = next(right);
    const path = joinPath(base, before.name);
    if (before.type !== after.type) {
      yield { kind: 'type', path, before, after };
      if (before.type === 'dir') yield* children(loader, before.subtree!, path, 'removed', signal);
      if (after.type === 'dir') yield* children(loader, after.subtree!, path, 'added', signal);
      continue;
    }
    if (before.type === 'dir') {
      if (!sameMetadata(before, after)) yield { kind: 'metadata', path, before, after };
      yield* diffTrees(loader, before.subtree, after.subtree, path, signal);
      continue;
    }
    if (!sameContent(before, after)) yield { kind: 'modified', path, before, after };
    else if (!sameMetadata(before, after)) yield { kind: 'metadata', path, before, after };
  }
}
