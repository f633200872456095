/** Node objects as `restic ls --json` prints them (struct_type "node"). */
import type { Node } from './node.js';
import { fileModeString } from './file-mode.js';

export function nodeToResticJson(node: Node, path: string): Record<string, unknown> {
  return {
    name: node.name.toString('utf8'),
    type: node.type,
    path,
    uid: node.uid,
    gid: node.gid,
    ...(node.type === 'file' ? { size: node.size } : {}),
    ...(node.mode ? { mode: node.mode, permissions: fileModeString(node.mode) } : { permissions: fileModeString(0) }),
    mtime: node.mtime,
    atime: node.atime,
    ctime: node.ctime,
    struct_type: 'node',
  };
}
