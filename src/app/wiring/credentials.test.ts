import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { resolvePassword, resolveRepositoryLocation } from './credentials.js';

test('repository location: flag, then LIFEBOAT_, then RESTIC_; empty values fall through', () => {
  assert.equal(resolveRepositoryLocation({ repo: '/a' }, { LIFEBOAT_REPOSITORY: '/b' }), '/a');
  assert.equal(resolveRepositoryLocation({}, { LIFEBOAT_REPOSITORY: '/b', RESTIC_REPOSITORY: '/c' }), '/b');
  assert.equal(resolveRepositoryLocation({}, { LIFEBOAT_REPOSITORY: '', RESTIC_REPOSITORY: '/c' }), '/c');
  assert.throws(() => resolveRepositoryLocation({}, {}), /no repository given/);
});

test('password: file and command trimmed, flags before environment, missing file is a clear error', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'pw');
    writeFileSync(file, '  secret \n');
    assert.equal(await resolvePassword({ passwordFile: file }, { LIFEBOAT_PASSWORD: 'env' }), 'secret');
    assert.equal(await resolvePassword({ passwordCommand: 'printf "  cmd\\n"' }, {}), 'cmd');
    assert.equal(await resolvePassword({}, { RESTIC_PASSWORD_FILE: file }), 'secret');
    assert.equal(await resolvePassword({}, { LIFEBOAT_PASSWORD: 'env', RESTIC_PASSWORD: 'other' }), 'env');
    assert.equal(await resolvePassword({}, {}), undefined);
    await assert.rejects(resolvePassword({ passwordFile: join(dir, 'missing') }, {}), /cannot read password file .*missing: ENOENT/);
    await assert.rejects(resolvePassword({ passwordCommand: 'exit 3' }, {}), /password command failed/);
  });
});
