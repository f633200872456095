/**
 * Issue 20, streamed trees: a tree blob whose MAC verifies but whose third node does not decode
 * (a directory without subtree). `ls` prints the entries before it and fails naming the tree;
 * `check` checks the nodes before it (a data blob missing from the index is found) and reports
 * the tree as unreadable, with the same message as before streaming.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileNode, writeCraftedSnapshot } from '../helpers/crafted.js';
import { lifeboat, lifeboatOk } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

const MISSING = 'ab'.repeat(32);

describe('issue 20: a malformed node in a streamed tree', { timeout: 120_000 }, () => {
  let work: string;
  let repo: string;

  before(async () => {
    work = await makeTempDir('lifeboat-tree-stream-');
    repo = join(work, 'repo');
    await lifeboatOk(repo, ['init']);
    await writeCraftedSnapshot(repo, async (t) => t.saveTree([fileNode('a', [MISSING], 1), fileNode('b', [], 0), { name: 'c', type: 'dir' }]));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('ls prints the entries before the malformed node, then fails naming the tree and the node', async () => {
    const r = await lifeboat(repo, ['ls', 'latest']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout.toString(), '/a\n/b\n');
    assert.match(r.stderr, /lifeboat: tree [0-9a-f]{64}: tree node 2: directory without subtree/);
  });

  test('check reports what the nodes before it lack, and the tree as unreadable', async () => {
    const r = await lifeboat(repo, ['check']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout.toString(), /2 errors found/);
    assert.match(r.stderr, new RegExp(`error: data blob ${MISSING} of /a is not in the index`));
    assert.match(r.stderr, /error: tree ([0-9a-f]{64}) \(\/\) cannot be loaded: tree \1: tree node 2: directory without subtree/);
  });
});
