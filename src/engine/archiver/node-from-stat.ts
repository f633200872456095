/**
 * Builds a tree node from lstat data the way restic 0.14 does on Linux (spec 8.2): which
 * fields each type carries, times in the local zone with nanoseconds, atime = mtime, owner
 * names, extended attributes (not for symlinks).
 */
import { readFileSync } from 'node:fs';
import { LifeboatError, errorMessage, isUnsupportedHere } from '../../core/index.js';
import { STAT, lgetxattr, llistxattr, lstatInto } from '../../native/index.js';
import { type Node, type NodeType, fileModeFromStat, formatGoTime, localOffsetMinutes } from '../../repository/model/index.js';

const S_IFMT = 0o170000;

/** lstat results as the native addon delivers them (indices in STAT); reused per file. */
export type StatFields = BigUint64Array;

export function newStatFields(): StatFields {
  return new BigUint64Array(16);
}

export function lstatFields(path: Buffer, out: StatFields): StatFields {
  lstatInto(path, out);
  return out;
}

export function nodeType(st: StatFields): NodeType | undefined {
  switch (Number(st[STAT.mode]) & S_IFMT) {
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

/**
 * The file's extended attributes. Only "not supported here" (and an attribute removed between
 * listing and reading it) is ignored; any other failure goes to `onError` and the node is saved
 * without the attributes that could not be read.
 */
function readXattrs(path: Buffer, onError: (err: Error) => void): { name: string; value: Buffer }[] | undefined {
  let names: Buffer[];
  try {
    names = llistxattr(path);
  } catch (err) {
    if (!isUnsupportedHere('listxattr', err)) onError(xattrError('extended attributes not saved', err));
    return undefined;
  }
  if (names.length === 0) return undefined;
  const out: { name: string; value: Buffer }[] = [];
  for (const n of names) {
    try {
      out.push({ name: n.toString('utf8'), value: lgetxattr(path, n) });
    } catch (err) {
      if (!isUnsupportedHere('getxattr', err)) onError(xattrError(`extended attribute ${n.toString('utf8')} not saved`, err));
    }
  }
  return out.length ? out : undefined;
}

function xattrError(what: string, err: unknown): LifeboatError {
  return new LifeboatError('E_IO', `${what}: ${errorMessage(err)}`, { cause: err, hint: 'check the permissions and the health of the file system; the rest of the file was backed up' });
}

/** Seconds come from an unsigned array: times before 1970 are negative int64 values. */
export function signedSeconds(sec: bigint): bigint {
  return BigInt.asIntN(64, sec);
}

function timeString(sec: bigint, nsec: bigint): string {
  const s = signedSeconds(sec);
  return formatGoTime({ unixSeconds: s, nanos: Number(nsec), offsetMinutes: localOffsetMinutes(Number(s) * 1000) });
}

/**
 * The node for an entry from its lstat fields (and its extended attributes, read here); a
 * failure to read those goes to `onXattrError` (the node is still returned). `xattrsListed`
 * false: the fields hold no xattr list size (a listing made without them), the list is read here.
 */
export function nodeFromStat(name: Buffer, path: Buffer, st: StatFields, type: NodeType, owners: OwnerNames, onXattrError: (err: Error) => void, xattrsListed = true): Node {
  const uid = Number(st[STAT.uid]);
  const gid = Number(st[STAT.gid]);
  const mtime = timeString(st[STAT.mtimeSec]!, st[STAT.mtimeNsec]!);
  const withLinks = type === 'file' || type === 'symlink' || type === 'dev' || type === 'chardev';
  const node: Node = {
    // a copy: the name may be a view into a listing, which is freed when its directory is walked,
    // and the node of a file being read lives on until its content is stored
    name: Buffer.from(name),
    type,
    mode: fileModeFromStat(Number(st[STAT.mode])),
    mtime,
    atime: mtime,
    ctime: timeString(st[STAT.ctimeSec]!, st[STAT.ctimeNsec]!),
    uid,
    gid,
    user: owners.user(uid),
    group: owners.group(gid),
    inode: st[STAT.ino]!,
    deviceId: st[STAT.dev]!,
    size: type === 'file' ? Number(st[STAT.size]) : 0,
    links: withLinks ? st[STAT.nlink]! : 0n,
    device: type === 'dev' || type === 'chardev' ? st[STAT.rdev]! : 0n,
    content: type === 'file' ? [] : null,
  };
  if (type !== 'symlink' && (!xattrsListed || st[STAT.xattrListSize]! > 0n)) {
    const xattrs = readXattrs(path, onXattrError);
    if (xattrs) node.extendedAttributes = xattrs;
  }
  return node;
}
