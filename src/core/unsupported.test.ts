import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isUnsupportedHere } from './unsupported.js';

const sys = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

test('only "not supported here" codes are ignorable; EACCES, EIO, EROFS, EPERM on chmod are real failures', () => {
  for (const call of ['chmod', 'chown', 'utimes', 'listxattr', 'getxattr', 'setxattr'] as const) {
    assert.equal(isUnsupportedHere(call, sys('ENOTSUP')), true, call);
    assert.equal(isUnsupportedHere(call, sys('EOPNOTSUPP')), true, call);
    for (const code of ['EACCES', 'EIO', 'EROFS', 'ENOSPC']) assert.equal(isUnsupportedHere(call, sys(code)), false, `${call} ${code}`);
  }
  assert.equal(isUnsupportedHere('chown', sys('EPERM'), { root: false }), true);
  assert.equal(isUnsupportedHere('chown', sys('EPERM'), { root: true }), false);
  assert.equal(isUnsupportedHere('chmod', sys('EPERM'), { root: false }), false);
  assert.equal(isUnsupportedHere('getxattr', sys('ENODATA')), true);
  assert.equal(isUnsupportedHere('listxattr', sys('ENODATA')), false);
  assert.equal(isUnsupportedHere('chmod', new Error('no code')), false);
});

test('a real failure from the file system is classified as one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-unsupported-'));
  try {
    const err = await chmod(join(dir, 'missing'), 0o600).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOENT');
    assert.equal(isUnsupportedHere('chmod', err), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
