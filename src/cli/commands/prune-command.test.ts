import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifeboatError } from '../../core/index.js';
import { parseMaxUnused } from './prune-command.js';

test('--max-unused takes what restic takes: a percentage below 100, a size, or unlimited', () => {
  assert.deepEqual(parseMaxUnused('5%'), { percent: 5 });
  assert.deepEqual(parseMaxUnused(' 2.5% '), { percent: 2.5 });
  assert.deepEqual(parseMaxUnused('0%'), { percent: 0 });
  assert.deepEqual(parseMaxUnused('0'), { bytes: 0 });
  assert.deepEqual(parseMaxUnused('500M'), { bytes: 500 * 1024 * 1024 });
  assert.deepEqual(parseMaxUnused('2g'), { bytes: 2 * 1024 ** 3 });
  assert.deepEqual(parseMaxUnused('unlimited'), { unlimited: true });
  for (const bad of ['100%', '150%', '-1%', '%', 'x%', 'lots', '', '5 %%']) {
    assert.throws(
      () => parseMaxUnused(bad),
      (err: unknown) => err instanceof LifeboatError && err.code === 'E_USAGE' && err.message.includes('--max-unused'),
      bad,
    );
  }
});
