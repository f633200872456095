import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BackendError, NotFoundError } from '../../core/index.js';
import { makeTempDir } from '../../../test/helpers/tmp.js';
import { handle } from '../index.js';
import { type RcloneServer, runBackendContract, startRcloneServer } from '../testing/index.js';
import { openRestBackend } from './index.js';

let server: RcloneServer;
let dir: string;
let n = 0;

before(async () => {
  dir = await makeTempDir('lifeboat-rest-');
  server = await startRcloneServer(dir);
});

after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

const open = (path: string) => openRestBackend(`${server.url}${path}/`, `rest:${server.url}${path}/`, { connections: 4, idleTimeoutMs: 30_000 });

runBackendContract(
  'rest (rclone serve restic)',
  async () => {
    const path = `repo-${++n}`;
    return { backend: open(path), cleanup: () => rm(join(dir, path), { recursive: true, force: true }) };
  },
  { partialFilesListed: true },
);

test('rest: files land in restic layout on the server, data fanned out into data/XX', async () => {
  const b = open('layout');
  await b.create();
  const id = 'ab'.padEnd(64, 'c');
  await b.save(handle('data', id), Buffer.from('pack'));
  await b.save(handle('config'), Buffer.from('cfg'));
  const { readFile } = await import('node:fs/promises');
  assert.equal(await readFile(join(dir, 'layout', 'data', 'ab', id), 'utf8'), 'pack');
  assert.equal(await readFile(join(dir, 'layout', 'config'), 'utf8'), 'cfg');
  await b.close();
});

test('rest: an unreachable server is a transient BackendError naming the location', async () => {
  const b = openRestBackend('http://127.0.0.1:1/repo/', 'rest:http://127.0.0.1:1/repo/', { connections: 1, idleTimeoutMs: 5000 });
  await assert.rejects(b.stat(handle('config')), (err: unknown) => {
    assert.ok(err instanceof BackendError && err.transient, String(err));
    assert.ok(!(err instanceof NotFoundError));
    assert.match(err.message, /rest:http:\/\/127\.0\.0\.1:1\/repo\//);
    assert.match(err.message, /ECONNREFUSED/);
    return true;
  });
  await b.close();
});
