/**
 * A tree node for unit tests: a file owned by root with fixed times (nanoseconds included) and no
 * content, `fields` on top. Never imported by production code.
 */
import type { Node } from '../model/index.js';

export const TEST_NODE_TIME = '2024-01-02T03:04:05.123456789Z';

export function testFileNode(name: string | Buffer, fields: Partial<Node> = {}): Node {
  return {
    name: typeof name === 'string' ? Buffer.from(name) : name,
    type: 'file',
    mode: 0o644,
    mtime: TEST_NODE_TIME,
    atime: TEST_NODE_TIME,
    ctime: TEST_NODE_TIME,
    uid: 0,
    gid: 0,
    inode: 0n,
    deviceId: 0n,
    size: 0,
    links: 1n,
    device: 0n,
    content: [],
    ...fields,
  };
}
