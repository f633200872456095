import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError, type Id } from '../../core/index.js';
import { type Node, decodeTreeNodes } from '../../repository/model/index.js';
import { type TreeLoader, walkTree } from './walk.js';

function node(name: string, type: Node['type'], subtree?: Id): Node {
  return { name: Buffer.from(name), type, mode: 0, mtime: '', atime: '', ctime: '', uid: 0, gid: 0, ...(subtree ? { subtree } : {}) } as unknown as Node;
}

/** Trees held in a map: tree `t<i>` holds one directory `d` leading to `t<i+1>`, the last holds a file. */
function chain(depth: number): TreeLoader {
  return {
    loadTree: async (id: Id) => {
      const i = Number(id.slice(1));
      return i === depth ? [node('bottom.txt', 'file')] : [node('d', 'dir', `t${i + 1}` as Id), node('z', 'file')];
    },
  };
}

test('issue 20 defect 3: walkTree visits a 10,000-level tree in pre-order without exhausting the stack', async () => {
  const depth = 10_000;
  let count = 0;
  let deepest = '';
  let order = '';
  for await (const e of walkTree(chain(depth), 't0' as Id)) {
    count++;
    if (count <= 3) order += `${e.path.toString()};`;
    if (e.node.name.toString() === 'bottom.txt') deepest = e.path.toString();
  }
  assert.equal(count, depth * 2 + 1);
  assert.equal(deepest, `/${'d/'.repeat(depth)}bottom.txt`);
  assert.equal(order, '/d;/d/d;/d/d/d;', 'a directory comes before its contents');
});

test('walkTree skips what descend refuses and visits siblings after a subtree', async () => {
  const seen: string[] = [];
  for await (const e of walkTree(chain(3), 't0' as Id, Buffer.from('/base'), { descend: (e) => e.path.length < 10 })) seen.push(e.path.toString());
  assert.deepEqual(seen, ['/base/d', '/base/d/d', '/base/d/d/d', '/base/d/d/z', '/base/d/z', '/base/z']);
});

test('walkTree streams trees from loadTreeNodes: the nodes before a malformed one, then its error naming the tree', async () => {
  const file = (name: string): string => `{"name":"${name}","type":"file","mtime":"2020-01-01T00:00:00Z","atime":"2020-01-01T00:00:00Z","ctime":"2020-01-01T00:00:00Z","uid":0,"gid":0,"content":[]}`;
  const blobs = new Map<string, Buffer>([['t0', Buffer.from(`{"nodes":[${file('a')},${file('b')},{"name":"c","type":"dir"}]}\n`)]]);
  const loader: TreeLoader = {
    loadTree: () => Promise.reject(new Error('the array form is not used when loadTreeNodes exists')),
    loadTreeNodes: async (id: Id) => decodeTreeNodes(blobs.get(id)!, id),
  };
  const seen: string[] = [];
  await assert.rejects(
    async () => {
      for await (const e of walkTree(loader, 't0' as Id)) seen.push(e.path.toString());
    },
    (err: unknown) => err instanceof FormatError && err.message === 'tree t0: tree node 2: directory without subtree',
  );
  assert.deepEqual(seen, ['/a', '/b']);
});
