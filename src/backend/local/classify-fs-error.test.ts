import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendError, LifeboatError, NotFoundError } from '../../core/index.js';
import { classifyFsError } from './classify-fs-error.js';

function sysError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: something happened, open '/repo/x'`), { code, errno: -1, syscall: 'open' });
}

test('ENOENT is a NotFoundError naming the object, with the cause', () => {
  const cause = sysError('ENOENT');
  const err = classifyFsError(cause, 'load', 'data/ab in /repo');
  assert.ok(err instanceof NotFoundError);
  assert.match(err.message, /data\/ab in \/repo/);
  assert.equal(err.cause, cause);
});

test('permissions, full or read-only disks are permanent; I/O hiccups and fd exhaustion are transient', () => {
  for (const code of ['EACCES', 'EPERM', 'ENOSPC', 'EROFS', 'EDQUOT', 'ENOTDIR', 'EISDIR', 'EXDEV']) {
    const err = classifyFsError(sysError(code), 'save', 'keys/k in /repo');
    assert.ok(err instanceof BackendError, code);
    assert.equal(err.transient, false, code);
    assert.equal((err.cause as NodeJS.ErrnoException).code, code);
    assert.match(err.message, /^save keys\/k in \/repo failed: /);
  }
  for (const code of ['EIO', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR']) {
    const err = classifyFsError(sysError(code), 'list', '/repo/index');
    assert.ok(err instanceof BackendError && err.transient, code);
  }
  assert.match((classifyFsError(sysError('ENOSPC'), 'save', 'x') as LifeboatError).hint ?? '', /disk space/);
  assert.match((classifyFsError(sysError('EACCES'), 'save', 'x') as LifeboatError).hint ?? '', /permissions/);
  assert.match((classifyFsError(sysError('EROFS'), 'save', 'x') as LifeboatError).hint ?? '', /read-only/);
  assert.match((classifyFsError(sysError('EIO'), 'save', 'x') as LifeboatError).hint ?? '', /I\/O errors.*disk|disk.*I\/O errors/);
});

test('classified errors, aborts and programmer errors pass through unchanged', () => {
  const known = new BackendError('already classified');
  assert.equal(classifyFsError(known, 'save', 'x'), known);
  const abort = new DOMException('This operation was aborted', 'AbortError');
  assert.equal(classifyFsError(abort, 'save', 'x'), abort);
  const bug = new TypeError('not a buffer');
  assert.equal(classifyFsError(bug, 'save', 'x'), bug);
  const arg = Object.assign(new TypeError('bad argument'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.equal(classifyFsError(arg, 'save', 'x'), arg);
  assert.ok(classifyFsError('a string', 'save', 'x') instanceof BackendError);
});
