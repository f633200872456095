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

/** Access and modification times, parsed (an empty atime means the mtime, as restic does). */
export interface NodeTimes {
  atimeSec: bigint | number;
  atimeNsec: number;
  mtimeSec: bigint | number;
  mtimeNsec: number;
}

export interface MetadataOptions {
  /** Restore numeric owner and group (only root can). */
  owner: boolean;
  /** Restore extended attributes. */
  xattrs: boolean;
}

/** Parses a node's times; a malformed time is a FormatError. */
export function parseNodeTimes(node: Pick<Node, 'mtime' | 'atime'>): NodeTimes {
  const m = parseGoTime(node.mtime);
  const a = parseGoTime(node.atime || node.mtime);
  return { atimeSec: a.unixSeconds, atimeNsec: a.nanos, mtimeSec: m.unixSeconds, mtimeNsec: m.nanos };
}

/** Applies metadata; returns the problems met (each one a warning, not a failure of the file). */
export function applyMetadata(path: Buffer, node: NodeMetadata, options: MetadataOptions): Error[] {
  let times: NodeTimes | Error;
  try {
    times = parseNodeTimes(node);
  } catch (err) {
    times = err as Error;
  }
  return applyParsedMetadata(path, node, times, options);
}

/** applyMetadata with the times parsed already (or the error parsing them gave, reported here). */
export function applyParsedMetadata(path: Buffer, node: Omit<NodeMetadata, 'mtime' | 'atime'>, times: NodeTimes | Error, options: MetadataOptions): Error[] {
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
  if (times instanceof Error) problems.push(times);
  else attempt(() => utimensat(path, times.atimeSec, times.atimeNsec, times.mtimeSec, times.mtimeNsec, true));
  return problems;
}
