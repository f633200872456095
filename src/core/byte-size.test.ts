import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes } from './byte-size.js';

test('formatBytes: bytes as they are, binary units with fixed or adaptive decimals', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023, 3), '1023 B');
  assert.equal(formatBytes(1536, 3), '1.500 KiB');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(20 * 1024 + 512), '20.5 KiB');
  assert.equal(formatBytes(5 * 1024 ** 3, 1), '5.0 GiB');
  assert.equal(formatBytes(3 * 1024 ** 5), '3.00 PiB');
});
