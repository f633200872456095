import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BackendError, sha256Id } from '../../core/index.js';
import { makeTempDir } from '../../../test/helpers/tmp.js';
import { handle } from '../index.js';
import { runBackendContract } from '../testing/index.js';
import { RcloneBackend } from './index.js';

let dir: string;
let n = 0;
// a named remote defined through rclone's environment variables, as a user's config would
const env = { ...process.env, RCLONE_CONFIG: '/dev/null', RCLONE_CONFIG_LBTEST_TYPE: 'local' };

before(async () => {
  dir = await makeTempDir('lifeboat-rclone-');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const open = (path: string, extra: Partial<ConstructorParameters<typeof RcloneBackend>[0]> = {}) =>
  new RcloneBackend({ remote: `lbtest:${join(dir, path)}`, location: `rclone:lbtest:${join(dir, path)}`, connections: 5, idleTimeoutMs: 30_000, env, ...extra });

runBackendContract(
  'rclone (serve restic --stdio, HTTP/2)',
  async () => {
    const path = `repo-${++n}`;
    return { backend: open(path), cleanup: () => rm(join(dir, path), { recursive: true, force: true }) };
  },
  { partialFilesListed: true },
);

test('rclone: files land in the remote in restic layout; close stops rclone', async () => {
  const b = open('layout');
  await b.create();
  const id = sha256Id(Buffer.from('pack'));
  await b.save(handle('data', id), Buffer.from('pack'));
  assert.equal(await readFile(join(dir, 'layout', 'data', id.slice(0, 2), id), 'utf8'), 'pack');
  await b.close();
});

test('rclone: a missing program and a remote rclone rejects give clear, permanent errors', async () => {
  const missing = open('x', { program: '/nonexistent/rclone' });
  await assert.rejects(missing.stat(handle('config')), (err: unknown) => {
    assert.ok(err instanceof BackendError && !err.transient, String(err));
    assert.match(err.message, /cannot start \/nonexistent\/rclone/);
    assert.match(err.hint ?? '', /rclone\.program/);
    return true;
  });
  await missing.close();
  const bad = new RcloneBackend({ remote: 'no-such-remote:repo', location: 'rclone:no-such-remote:repo', connections: 1, idleTimeoutMs: 30_000, env });
  await assert.rejects(bad.stat(handle('config')), (err: unknown) => {
    assert.ok(err instanceof BackendError && !err.transient, String(err));
    assert.match(err.message, /rclone:no-such-remote:repo: rclone exited \(code \d+\): .*no-such-remote/);
    return true;
  });
  await bad.close();
});
