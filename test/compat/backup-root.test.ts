/**
 * Backing up "/" itself (what a `system: { root: / }` source does): the root's entries are the
 * snapshot's tree, as restic stores it, so both restic and Lifeboat restore it. The root was
 * once stored as a tree entry with an empty name, which every restore refused.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

// everything at the top of / but etc, and everything in etc but host* (hostname, hosts, host.conf)
const KEEP_ETC_HOST = ['/[a-df-z]*', '/e[a-su-z]*', '/[.]*', '/etc/[a-gi-z.]*', '/etc/h[a-np-z]*', '/etc/ho[a-rt-z]*'];

describe('backing up / itself', () => {
  let work: string;
  let repo: string;

  before(async () => {
    work = await makeTempDir('lifeboat-root-');
    repo = join(work, 'repo');
    await lifeboatOk(repo, ['init']);
    await lifeboatOk(repo, ['backup', '/', '/etc', '--one-file-system', '-q', ...KEEP_ETC_HOST.flatMap((p) => ['--exclude', p])]);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('the root entries are the tree: /etc at the top, restored by Lifeboat and by restic', async () => {
    const lines = (await lifeboatOk(repo, ['ls', '--json', 'latest'])).stdout.toString().trim().split('\n').slice(1);
    const paths = lines.map((l) => (JSON.parse(l) as { path: string }).path);
    assert.ok(paths.includes('/etc/hostname'), paths.join(' '));
    assert.equal(paths.filter((p) => p === '/etc').length, 1, 'a target below / is stored once');
    assert.ok(
      paths.every((p) => p !== '/' && !p.startsWith('//')),
      `no entry with an empty name: ${paths.join(' ')}`,
    );

    const ours = join(work, 'ours');
    await lifeboatOk(repo, ['restore', 'latest', '--target', ours]);
    assert.equal(readFileSync(join(ours, 'etc/hostname'), 'utf8'), readFileSync('/etc/hostname', 'utf8'));
    const theirs = join(work, 'theirs');
    await restic(repo, ['restore', 'latest', '--target', theirs]);
    assert.equal(readFileSync(join(theirs, 'etc/hostname'), 'utf8'), readFileSync('/etc/hostname', 'utf8'));
  });
});
