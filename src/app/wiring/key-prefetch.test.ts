/**
 * The key of a local repository derived while the program loads, and taken when it opens. The
 * repositories are made by the CLI in child processes, so that this process derives nothing
 * before the prefetch (crypto/kdf starts nothing once a key was asked for).
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startedUserKeyDerivations } from '../../repository/crypto/index.js';
import { TEST_PASSWORD, lifeboatOk } from '../../../test/helpers/run.js';
import { prefetchRepositoryKey } from './key-prefetch.js';
import { openRepository } from './open-repository.js';

test("a local repository's key is derived ahead and taken when it opens; anything unclear starts nothing", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-prefetch-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const repo = join(dir, 'repo');
  const twoKeys = join(dir, 'two-keys');
  await lifeboatOk(repo, ['init']);
  await lifeboatOk(twoKeys, ['init']);
  await writeFile(join(dir, 'new-password'), 'another one');
  await lifeboatOk(twoKeys, ['key', 'add', '--new-password-file', join(dir, 'new-password')]);
  const env = { LIFEBOAT_PASSWORD: TEST_PASSWORD };

  // a store that is not a local directory, a password command (it must run once), no password,
  // no repository, several key files: nothing starts
  // (a directory that the location names when read as a local path holds the same key file)
  await cp(repo, join(dir, 'sftp:repo'), { recursive: true });
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    await prefetchRepositoryKey({ repo: 'sftp:repo' }, env);
  } finally {
    process.chdir(cwd);
  }
  await prefetchRepositoryKey({ repo, passwordCommand: `echo '${TEST_PASSWORD}'` }, env);
  await prefetchRepositoryKey({ repo }, { LIFEBOAT_PASSWORD_COMMAND: `echo '${TEST_PASSWORD}'` });
  await prefetchRepositoryKey({ repo }, {});
  await prefetchRepositoryKey({ repo: join(dir, 'missing') }, env);
  await prefetchRepositoryKey({ repo: twoKeys }, env);
  assert.equal(startedUserKeyDerivations(), 0);

  // the repository's one key: started, then taken by the opening, which works with it
  await prefetchRepositoryKey({ repo: `local:${repo}` }, env);
  assert.equal(startedUserKeyDerivations(), 1);
  const opened = await openRepository({ flags: { repo }, env });
  assert.equal(startedUserKeyDerivations(), 0);
  assert.equal(opened.version, 2);
  await opened.close();
});
