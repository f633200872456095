import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import type { Node } from '../../repository/model/index.js';
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
