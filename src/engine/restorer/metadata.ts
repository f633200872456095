/**
 * Applies a node's metadata to a restored path: owner (as root), mode bits (after chown, which
 * clears setuid/setgid), extended attributes, then times with nanoseconds (last, because the
 * other steps change ctime only but xattr writes may touch mtime on some filesystems).
 */
import { chmodSync, lchownSync } from 'node:fs';
import { lsetxattr, utimensat } from '../../native/index.js';
import { type Node, parseGoTime, permFromFileMode } from '../../repository/model/index.js';

/** What `applyMetadata` reads of a node (restore plans keep only this of each file's node). */
export type NodeMetadata = Pick<Node, 'type' | 'uid' | 'gid' | 'mode' | 'extendedAttributes' | 'mtime' | 'atime'>;

export interface MetadataOptions {
  /** Restore numeric owner and group (only root can). */
  owner: boolean;
  /** Restore extended attributes. */
  xattrs: boolean;
}

/** Applies metadata; returns the problems met (each one a warning, not a failure of the file). */
export function applyMetadata(path: Buffer, node: NodeMetadata, options: MetadataOptions): Error[] {
  const problems: Error[] = [];
  const attempt = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      problems.push(err as Error);
    }
  };
  if (options.owner) attempt(() => lchownSync(path, node.uid, node.gid));
  if (node.type !== 'symlink') {
    attempt(() => chmodSync(path, permFromFileMode(node.mode)));
    if (options.xattrs) {
      for (const xa of node.extendedAttributes ?? []) attempt(() => lsetxattr(path, xa.name, xa.value));
    }
  }
  attempt(() => {
    const m = parseGoTime(node.mtime);
    const a = parseGoTime(node.atime || node.mtime);
    utimensat(path, a.unixSeconds, a.nanos, m.unixSeconds, m.nanos, true);
  });
  return problems;
}
