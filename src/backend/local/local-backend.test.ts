import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { handle } from '../backend.js';
import { runBackendContract } from '../testing/backend-contract.case.js';
import { LocalBackend } from './local-backend.js';

runBackendContract('local', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-local-'));
  return { backend: new LocalBackend(join(dir, 'repo')), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

test('local backend: restic layout, read-only files, no temporary file left after a failed save', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-local-'));
  try {
    const b = new LocalBackend(join(dir, 'repo'));
    await b.create();
    assert.equal((await readdir(join(dir, 'repo', 'data'))).length, 256);
    const name = 'ab'.padEnd(64, '0');
    await b.save(handle('data', name), Buffer.from('x'));
    const st = await stat(join(dir, 'repo', 'data', 'ab', name));
    assert.equal(st.mode & 0o777, 0o400);
    // a regular file where data/cd/ should be makes the save fail; nothing may stay behind
    await rm(join(dir, 'repo', 'data', 'cd'), { recursive: true });
    await writeFile(join(dir, 'repo', 'data', 'cd'), 'not a directory');
    await assert.rejects(b.save(handle('data', 'cd'.padEnd(64, '0')), Buffer.from('y')));
    const leftovers = (await readdir(join(dir, 'repo', 'data', 'ab'))).filter((n) => n.includes('-tmp-'));
    assert.deepEqual(leftovers, []);
    await rm(join(dir, 'repo', 'data', 'cd'));
    // names that are not IDs are not listed
    await writeFile(join(dir, 'repo', 'data', 'ab', 'README'), 'x');
    const listed: string[] = [];
    for await (const f of b.list('data')) listed.push(f.name);
    assert.deepEqual(listed, [name]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
