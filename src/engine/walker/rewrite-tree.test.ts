import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Id, NotFoundError, sha256Id } from '../../core/index.js';
import { type Node, decodeTree, encodeTree } from '../../repository/model/index.js';
import { TreeRewriter, type TreeRewriterPorts } from './rewrite-tree.js';
import { testFileNode } from '../../repository/testing/test-node.js';

const file = (name: string, size: number): Node => testFileNode(name, { size });
const dir = (name: string, subtree: Id): Node => ({ ...file(name, 0), type: 'dir', mode: 0x80000000 | 0o755, content: null, subtree });

/** Trees stored by ID as their encoded bytes (what a repository holds); counts what is saved. */
function store(): TreeRewriterPorts & { put(nodes: Node[]): Id; saved: Id[]; trees: Map<Id, Buffer> } {
  const trees = new Map<Id, Buffer>();
  const saved: Id[] = [];
  const put = (nodes: Node[]): Id => {
    const bytes = encodeTree(nodes);
    const id = sha256Id(bytes);
    trees.set(id, bytes);
    return id;
  };
  return {
    trees,
    saved,
    put,
    loadTree: async (id) => {
      const bytes = trees.get(id);
      if (!bytes) throw new NotFoundError(`tree ${id} not found`);
      return decodeTree(bytes);
    },
    saveTree: async (json) => {
      const id = sha256Id(json);
      trees.set(id, Buffer.from(json));
      saved.push(id);
      return id;
    },
  };
}

test('removing a node rewrites its ancestors only; unchanged subtrees keep their IDs and are not saved', async () => {
  const s = store();
  const etc = s.put([file('hosts', 10), file('secret.key', 7)]);
  const srv = s.put([file('app.bin', 1000)]);
  const root = s.put([dir('etc', etc), dir('srv', srv)]);
  const excluded: string[] = [];
  const r = await new TreeRewriter(s, { rewriteNode: (n, p) => (p.endsWith('/secret.key') ? (excluded.push(p), undefined) : n) }).rewrite(root);
  assert.deepEqual(excluded, ['/etc/secret.key']);
  assert.notEqual(r.id, root);
  assert.deepEqual(r.totals, { files: 2, bytes: 1010 });
  assert.equal(s.saved.length, 2, 'the new /etc and the new root');
  const top = decodeTree(s.trees.get(r.id!)!);
  assert.equal(top.find((n) => n.name.toString() === 'srv')!.subtree, srv);
  assert.deepEqual(
    decodeTree(s.trees.get(top.find((n) => n.name.toString() === 'etc')!.subtree!)!).map((n) => n.name.toString()),
    ['hosts'],
  );
});

test('nothing removed: the same root ID and nothing saved', async () => {
  const s = store();
  const root = s.put([dir('a', s.put([file('x', 1)]))]);
  const r = await new TreeRewriter(s, { rewriteNode: (n) => n }).rewrite(root);
  assert.equal(r.id, root);
  assert.deepEqual(s.saved, []);
});

test('one subtree at two paths is rewritten per path', async () => {
  const s = store();
  const shared = s.put([file('keep', 1), file('drop', 2)]);
  const root = s.put([dir('one', shared), dir('two', shared)]);
  const r = await new TreeRewriter(s, { rewriteNode: (n, p) => (p === '/two/drop' ? undefined : n) }).rewrite(root);
  const top = decodeTree(s.trees.get(r.id!)!);
  assert.equal(top[0]!.subtree, shared);
  assert.notEqual(top[1]!.subtree, shared);
  assert.deepEqual(r.totals, { files: 3, bytes: 4 });
});

test('unreadable trees: replaced as rewriteFailedTree says, the root removed, or the error thrown without it', async () => {
  const s = store();
  const missing = sha256Id(Buffer.from('not stored'));
  const root = s.put([dir('lost', missing), file('ok', 3)]);
  const seen: string[] = [];
  const r = await new TreeRewriter(s, { rewriteFailedTree: (_id, p) => (seen.push(p), []) }).rewrite(root);
  assert.deepEqual(seen, ['/lost']);
  const lost = decodeTree(s.trees.get(r.id!)!).find((n) => n.name.toString() === 'lost')!;
  assert.deepEqual(decodeTree(s.trees.get(lost.subtree!)!), []);
  const gone = await new TreeRewriter(s, { rewriteFailedTree: (_id, p) => (p === '/' ? undefined : []) }).rewrite(missing);
  assert.equal(gone.id, undefined);
  await assert.rejects(new TreeRewriter(s, {}).rewrite(root), NotFoundError);
});
