import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Id } from '../../core/index.js';
import { encodeTree, scanTree, type Node } from '../../repository/model/index.js';
import { LARGE_TREE_BYTES, parentTree } from './parent-tree.js';

const TREE = 'ab'.repeat(32) as Id;
const SUB = 'cd'.repeat(32) as Id;
const TIME = '2024-01-02T03:04:05.000000006Z';

function node(name: string, type: 'file' | 'dir' = 'file'): Node {
  return {
    name: Buffer.from(name),
    type,
    mode: type === 'dir' ? 0x800001ed : 0o644,
    mtime: TIME,
    atime: TIME,
    ctime: TIME,
    uid: 0,
    gid: 0,
    inode: 1n,
    deviceId: 1n,
    size: 0,
    links: 0n,
    device: 0n,
    content: type === 'file' ? [] : null,
    ...(type === 'dir' ? { subtree: SUB } : {}),
  };
}

/** Names `prefix00000`… in byte order, enough of them that their tree is over LARGE_TREE_BYTES when `large`. */
function names(large: boolean): string[] {
  const count = large ? Math.ceil(LARGE_TREE_BYTES / 150) : 20;
  return Array.from({ length: count }, (_, i) => `entry-${String(i).padStart(6, '0')}`);
}

/** The tree of `all`; unless `scanned`, its first node has an extended attribute, which the addon's scan does not read (the tree is decoded instead). */
function treeOf(all: string[], scanned: boolean): Buffer {
  const nodes = all.map((n) => node(n));
  if (!scanned) nodes[0]!.extendedAttributes = [{ name: 'user.x', value: Buffer.from('y') }];
  const bytes = encodeTree(nodes);
  assert.equal(scanTree(bytes) !== undefined, scanned);
  return bytes;
}

const KINDS = [
  { scanned: true, large: false, what: 'a small tree scanned' },
  { scanned: true, large: true, what: 'a large tree scanned' },
  { scanned: false, large: false, what: 'a small tree decoded at once' },
  { scanned: false, large: true, what: 'a large tree decoded a node at a time' },
];

for (const { scanned, large, what } of KINDS) {
  describe(`parentTree, ${what}`, () => {
    const all = names(large);
    const bytes = treeOf(all, scanned);
    assert.equal(bytes.length > LARGE_TREE_BYTES, large);
    const unreadable = (): never => assert.fail('no node is malformed');

    test('every name asked in order: each node, and tookAll', () => {
      const lookup = parentTree(TREE, bytes, unreadable).lookup();
      for (const name of all) assert.equal(lookup.get(Buffer.from(name))?.node().name.toString(), name);
      assert.equal(lookup.tookAll(), true);
    });

    test('names the tree does not hold give undefined; a node never asked for makes tookAll false', () => {
      const lookup = parentTree(TREE, bytes, unreadable).lookup();
      assert.equal(lookup.get(Buffer.from('aaa')), undefined);
      for (const name of all.slice(1)) assert.equal(lookup.get(Buffer.from(name))?.node().name.toString(), name);
      assert.equal(lookup.get(Buffer.from('zzz')), undefined);
      assert.equal(lookup.tookAll(), false);
    });

    test('a pass that stops early has not taken all; a new pass starts from the first node', () => {
      const tree = parentTree(TREE, bytes, unreadable);
      const first = tree.lookup();
      first.get(Buffer.from(all[0]!));
      assert.equal(first.tookAll(), false);
      assert.equal(tree.lookup().get(Buffer.from(all[0]!))?.node().name.toString(), all[0]);
    });

    test('a malformed node: reported once, the nodes before it found, none from there on', () => {
      const good = bytes.toString().trimEnd().slice(0, -2);
      const middle = all[Math.floor(all.length / 2)]!;
      // a node that sorts in the middle with a type no restic writes
      const doc = good.replace(`{"name":"${middle}"`, `{"name":"${middle}","type":"bogus"},{"name":"${middle}x"`);
      const reports: string[] = [];
      const tree = parentTree(TREE, Buffer.from(`${doc}]}\n`), (err) => reports.push(err.message));
      for (let pass = 0; pass < 2; pass++) {
        const lookup = tree.lookup();
        // streamed, the nodes before it are found; decoded at once, none is (a tree with a node
        // the scan does not read is decoded)
        assert.equal(lookup.get(Buffer.from(all[0]!))?.node().name.toString(), large ? all[0] : undefined);
        assert.equal(lookup.get(Buffer.from(all.at(-1)!)), undefined);
        assert.equal(lookup.tookAll(), false);
      }
      assert.equal(reports.length, 1);
      assert.match(reports[0]!, new RegExp(`^tree ${TREE}: .*bogus`));
    });
  });
}

test('parentTree: the subtrees of a scanned tree or a small decoded one are known before a pass; a large decoded one lists none', () => {
  const withDir = (all: string[], scanned: boolean): Buffer => {
    const nodes = [...all.map((n) => node(n)), node('zdir', 'dir')];
    if (!scanned) nodes[0]!.extendedAttributes = [{ name: 'user.x', value: Buffer.from('y') }];
    return encodeTree(nodes);
  };
  for (const large of [false, true]) {
    assert.deepEqual(parentTree(TREE, withDir(names(large), true), () => undefined).subtrees, [SUB]);
    assert.deepEqual(parentTree(TREE, withDir(names(large), false), () => undefined).subtrees, large ? [] : [SUB]);
  }
});
