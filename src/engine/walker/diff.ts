/**
 * Walks two trees in lockstep (both are sorted by name bytes) and reports what changed:
 * added, removed, modified (content), type changed, or metadata only. Unchanged subtrees
 * (same tree ID) are skipped without loading them.
 */
import type { Id } from '../../core/index.js';
import type { Node } from '../../repository/model/index.js';
import { type TreeLoader, joinPath } from './walk.js';

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
  if (node.type === 'dir' && node.subtree) {
    for (const child of await loader.loadTree(node.subtree, signal)) yield* everything(loader, child, joinPath(path, child.name), kind, signal);
  }
}

/** Changes from tree `a` to tree `b` (either may be undefined: everything added or removed). */
export async function* diffTrees(loader: TreeLoader, a: Id | undefined, b: Id | undefined, base: Buffer = Buffer.from('/'), signal?: AbortSignal): AsyncGenerator<Change> {
  if (a === b) return;
  const left = a ? await loader.loadTree(a, signal) : [];
  const right = b ? await loader.loadTree(b, signal) : [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    const l = left[i];
    const r = right[j];
    const cmp = !l ? 1 : !r ? -1 : Buffer.compare(l.name, r.name);
    if (cmp < 0) {
      yield* everything(loader, l!, joinPath(base, l!.name), 'removed', signal);
      i++;
      continue;
    }
    if (cmp > 0) {
      yield* everything(loader, r!, joinPath(base, r!.name), 'added', signal);
      j++;
      continue;
    }
    const path = joinPath(base, l!.name);
    i++;
    j++;
    if (l!.type !== r!.type) {
      yield { kind: 'type', path, before: l, after: r };
      if (l!.type === 'dir') for (const c of await loader.loadTree(l!.subtree!, signal)) yield* everything(loader, c, joinPath(path, c.name), 'removed', signal);
      if (r!.type === 'dir') for (const c of await loader.loadTree(r!.subtree!, signal)) yield* everything(loader, c, joinPath(path, c.name), 'added', signal);
      continue;
    }
    if (l!.type === 'dir') {
      if (!sameMetadata(l!, r!)) yield { kind: 'metadata', path, before: l, after: r };
      yield* diffTrees(loader, l!.subtree, r!.subtree, path, signal);
      continue;
    }
    if (!sameContent(l!, r!)) yield { kind: 'modified', path, before: l, after: r };
    else if (!sameMetadata(l!, r!)) yield { kind: 'metadata', path, before: l, after: r };
  }
}
