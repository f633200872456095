import assert from 'node:assert/strict';
import { fstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { ReadDescriptors } from './read-descriptors.js';

const isOpen = (fd: number): boolean => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

test('read descriptors: one per path, the least recently used closed past the limit, forget and closeAll close', () =>
  withTempDir((dir) => {
    const paths = ['a', 'b', 'c', 'd'].map((n) => join(dir, n));
    for (const p of paths) writeFileSync(p, p);
    const fds = new ReadDescriptors(3);
    const a = fds.get(paths[0]!);
    const b = fds.get(paths[1]!);
    assert.equal(fds.get(paths[0]!), a); // a is now the most recently used
    const c = fds.get(paths[2]!);
    const d = fds.get(paths[3]!); // over the limit: b, the least recently used, is closed
    assert.equal(fds.size, 3);
    assert.ok(!isOpen(b), 'b closed');
    assert.ok(isOpen(a) && isOpen(c) && isOpen(d));
    fds.forget(paths[2]!);
    assert.ok(!isOpen(c), 'c closed');
    fds.forget(paths[2]!); // nothing kept: nothing to do
    fds.closeAll();
    assert.ok(!isOpen(a) && !isOpen(d));
    assert.equal(fds.size, 0);
    assert.throws(() => fds.get(join(dir, 'missing')), { code: 'ENOENT' });
    assert.equal(fds.size, 0);
    return Promise.resolve();
  }, 'lifeboat-fds-'));
