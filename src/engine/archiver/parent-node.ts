/**
 * A node of the parent snapshot as the walk compares it with an entry and keeps it: from a tree
 * the addon scanned (nothing decoded until `node()` asks; kept, it is copied into the new tree as
 * the parent tree holds it) or from a tree decoded into Nodes (the fallback: parent-tree.ts).
 */
import { STAT } from '../../native/index.js';
import type { Id } from '../../core/index.js';
import { type Node, type NodeType, type ScannedTree, type TreeBuilder, goTimeEquals } from '../../repository/model/index.js';
import { type StatFields, signedSeconds } from './node-from-stat.js';

/** What the walk asks of the index about a parent node's content. */
export interface ContentIndex {
  plaintextSize(type: 'data', id: Id): number;
  /** `plaintextSize(…) >= 0` with the ID as 32 raw bytes. */
  hasKey(type: 'data', key: Uint8Array): boolean;
}

export interface ParentNode {
  readonly type: NodeType;
  readonly size: number;
  readonly deviceId: bigint;
  readonly subtree: Id | undefined;
  /** True when the entry's inode, mtime and ctime (lstat fields) are the node's. */
  sameInodeAndTimes(st: StatFields): boolean;
  /** True when every blob of the node's content is in the index. */
  contentStored(index: ContentIndex): boolean;
  /** The node, decoded (a FormatError if it does not decode). */
  node(): Node;
  /** Adds the node to a new tree as it is in the parent tree. */
  addTo(builder: TreeBuilder): void;
}

export class ScannedParentNode implements ParentNode {
  constructor(
    private readonly tree: ScannedTree,
    private readonly i: number,
  ) {}

  get type(): NodeType {
    return this.tree.type(this.i);
  }

  get size(): number {
    return this.tree.size(this.i);
  }

  get deviceId(): bigint {
    return this.tree.deviceId(this.i);
  }

  get subtree(): Id | undefined {
    return this.tree.subtree(this.i);
  }

  sameInodeAndTimes(st: StatFields): boolean {
    return (
      this.tree.inode(this.i) === st[STAT.ino] &&
      this.tree.sameTimes(this.i, signedSeconds(st[STAT.mtimeSec]!), Number(st[STAT.mtimeNsec]), signedSeconds(st[STAT.ctimeSec]!), Number(st[STAT.ctimeNsec]))
    );
  }

  contentStored(index: ContentIndex): boolean {
    const keys = this.tree.contentKeys(this.i);
    for (let at = 0; at < keys.length; at += 32) if (!index.hasKey('data', keys.subarray(at, at + 32))) return false;
    return true;
  }

  node(): Node {
    return this.tree.node(this.i);
  }

  addTo(builder: TreeBuilder): void {
    builder.addEncoded(this.tree.nameKey(this.i), this.tree.json(this.i));
  }
}

export class DecodedParentNode implements ParentNode {
  constructor(private readonly decoded: Node) {}

  get type(): NodeType {
    return this.decoded.type;
  }

  get size(): number {
    return this.decoded.size;
  }

  get deviceId(): bigint {
    return this.decoded.deviceId;
  }

  get subtree(): Id | undefined {
    return this.decoded.subtree;
  }

  sameInodeAndTimes(st: StatFields): boolean {
    const n = this.decoded;
    return (
      n.inode === st[STAT.ino] &&
      goTimeEquals(n.mtime, Number(signedSeconds(st[STAT.mtimeSec]!)), Number(st[STAT.mtimeNsec])) &&
      goTimeEquals(n.ctime, Number(signedSeconds(st[STAT.ctimeSec]!)), Number(st[STAT.ctimeNsec]))
    );
  }

  contentStored(index: ContentIndex): boolean {
    return (this.decoded.content ?? []).every((id) => index.plaintextSize('data', id) >= 0);
  }

  node(): Node {
    return this.decoded;
  }

  addTo(builder: TreeBuilder): void {
    builder.add(this.decoded);
  }
}
