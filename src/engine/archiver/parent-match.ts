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
import type { Id } from '../../core/index.js';
import { type Node, type NodeType, goTimeEquals } from '../../repository/model/index.js';
import { type StatFields, signedSeconds } from './node-from-stat.js';

function sameTime(stored: string, sec: bigint, nsec: bigint): boolean {
  return goTimeEquals(stored, Number(signedSeconds(sec)), Number(nsec));
}

/** True when `parent` is a node of `type` with the entry's inode, mtime and ctime. */
export function describesEntry(parent: Node | undefined, st: StatFields, type: NodeType): parent is Node {
  return (
    parent !== undefined &&
    parent.type === type &&
    parent.inode === st[STAT.ino] &&
    sameTime(parent.mtime, st[STAT.mtimeSec]!, st[STAT.mtimeNsec]!) &&
    sameTime(parent.ctime, st[STAT.ctimeSec]!, st[STAT.ctimeNsec]!)
  );
}

/** True when the file need not be read again: its parent node describes it, with its size, and every content blob is `stored`. */
export function fileUnchanged(parent: Node | undefined, st: StatFields, stored: (id: Id) => boolean): parent is Node {
  if (parent?.type !== 'file' || BigInt(parent.size) !== st[STAT.size]) return false;
  return describesEntry(parent, st, 'file') && (parent.content ?? []).every(stored);
}
