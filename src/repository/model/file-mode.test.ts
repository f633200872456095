import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MODE_DIR, MODE_SETGID, MODE_SETUID, MODE_STICKY, MODE_SYMLINK, lsModeString } from './file-mode.js';

test("lsModeString: restic's ls -l column, with setuid, setgid and sticky bits", () => {
  assert.equal(lsModeString('file', 0o644), '-rw-r--r--');
  assert.equal(lsModeString('dir', MODE_DIR | 0o755), 'drwxr-xr-x');
  assert.equal(lsModeString('symlink', MODE_SYMLINK | 0o777), 'Lrwxrwxrwx');
  assert.equal(lsModeString('file', MODE_SETUID | 0o755), '-rwsr-xr-x');
  assert.equal(lsModeString('file', MODE_SETUID | MODE_SETGID | 0o644), '-rwSr-Sr--');
  assert.equal(lsModeString('dir', MODE_DIR | MODE_STICKY | 0o777), 'drwxrwxrwt');
  assert.equal(lsModeString('dir', MODE_DIR | MODE_STICKY | 0o770), 'drwxrwx--T');
});
