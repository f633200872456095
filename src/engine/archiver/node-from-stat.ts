/**
 * Builds a tree node from lstat data the way restic 0.14 does on Linux (spec 8.2): which
 * fields each type carries, times in the local zone with nanoseconds, atime = mtime, owner
 * names, extended attributes (not for symlinks).
 */
import type { BigIntStats } from 'node:fs';
import { readFileSync } from 'node:fs';
import { lgetxattr, llistxattr } from '../../native/index.js';
import { type Node, type NodeType, fileModeFromStat, formatGoTime, goTimeFromNs } from '../../repository/model/index.js';

const S_IFMT = 0o170000;

export function nodeType(st: BigIntStats): NodeType | undefined {
  switch (Number(st.mode) & S_IFMT) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o060000:
      return 'dev';
    case 0o020000:
      return 'chardev';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    default:
      return undefined;
  }
}

/** Maps numeric ids to names from /etc/passwd and /etc/group (read once). */
export class OwnerNames {
  private users: Map<number, string> | undefined;
  private groups: Map<number, string> | undefined;

  private static read(file: string): Map<number, string> {
    const map = new Map<number, string>();
    try {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length >= 3 && f[0] && /^\d+$/.test(f[2]!)) {
          const id = Number(f[2]);
          if (!map.has(id)) map.set(id, f[0]);
        }
      }
    } catch {
      // no such database: names stay empty, as restic leaves them when lookups fail
    }
    return map;
  }

  user(uid: number): string | undefined {
    this.users ??= OwnerNames.read('/etc/passwd');
    return this.users.get(uid);
  }

  group(gid: number): string | undefined {
    this.groups ??= OwnerNames.read('/etc/group');
    return this.groups.get(gid);
  }
}

function readXattrs(path: Buffer): { name: string; value: Buffer }[] | undefined {
  let names: Buffer[];
  try {
    names = llistxattr(path);
  } catch {
    return undefined; // filesystem without xattr support
  }
  if (names.length === 0) return undefined;
  const out: { name: string; value: Buffer }[] = [];
  for (const n of names) {
    try {
      out.push({ name: n.toString('utf8'), value: lgetxattr(path, n) });
    } catch {
      // removed between list and get
    }
  }
  return out.length ? out : undefined;
}

export function nodeFromStat(name: Buffer, path: Buffer, st: BigIntStats, type: NodeType, owners: OwnerNames): Node {
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  const mtime = formatGoTime(goTimeFromNs(st.mtimeNs));
  const withLinks = type === 'file' || type === 'symlink' || type === 'dev' || type === 'chardev';
  const node: Node = {
    name,
    type,
    mode: fileModeFromStat(Number(st.mode)),
    mtime,
    atime: mtime,
    ctime: formatGoTime(goTimeFromNs(st.ctimeNs)),
    uid,
    gid,
    user: owners.user(uid),
    group: owners.group(gid),
    inode: st.ino,
    deviceId: st.dev,
    size: type === 'file' ? Number(st.size) : 0,
    links: withLinks ? st.nlink : 0n,
    device: type === 'dev' || type === 'chardev' ? st.rdev : 0n,
    content: type === 'file' ? [] : null,
  };
  if (type !== 'symlink') {
    const xattrs = readXattrs(path);
    if (xattrs) node.extendedAttributes = xattrs;
  }
  return node;
}
