/**
 * Whether the parent snapshot's node still describes an entry, from the entry's lstat fields
 * alone (restic's change detection, extended from files to every type).
 *
 * The same type, inode, mtime and ctime: any change of mode, owner, link count, extended
 * attributes or a symlink's target moves ctime, and any change of a directory's entries moves its
 * mtime (the entries themselves are walked all the same). A file also needs the same size and all
 * its content still in the repository.
 */
import { STAT } from '../../native/index.js';
import type { NodeType } from '../../repository/model/index.js';
import type { StatFields } from './node-from-stat.js';
import type { ContentIndex, ParentNode } from './parent-node.js';

/** True when `parent` is a node of `type` with the entry's inode, mtime and ctime. */
export function describesEntry(parent: ParentNode | undefined, st: StatFields, type: NodeType): parent is ParentNode {
  return parent !== undefined && parent.type === type && parent.sameInodeAndTimes(st);
}

/** True when the file need not be read again: its parent node describes it, with its size, and every content blob is in `index`. */
export function fileUnchanged(parent: ParentNode | undefined, st: StatFields, index: ContentIndex): parent is ParentNode {
  if (parent?.type !== 'file' || BigInt(parent.size) !== st[STAT.size]) return false;
  return parent.sameInodeAndTimes(st) && parent.contentStored(index);
}
