/** Listening rules: loopback by default, anything else only with TLS; the token file is 0600. */
import assert from 'node:assert/strict';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTestRepository } from '../../repository/testing/test-repository.js';
import { makeTempDir } from '../../../test/helpers/tmp.js';
import { isLoopback, parseListen, startConsole } from './serve.js';

test('--listen values', () => {
  assert.deepEqual(parseListen('127.0.0.1:9898'), { host: '127.0.0.1', port: 9898 });
  assert.deepEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
  assert.deepEqual(parseListen(':0'), { host: '127.0.0.1', port: 0 });
  for (const bad of ['9898', 'host:99999', '::1:80', 'a b:1']) assert.throws(() => parseListen(bad), { code: 'E_USAGE' }, bad);
  assert.ok(isLoopback('127.0.0.1') && isLoopback('127.1.2.3') && isLoopback('::1') && isLoopback('localhost'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.1.10') && !isLoopback('::') && !isLoopback('example.com'));
});

test('a non-loopback address without TLS is refused; on loopback the token file is written 0600 and reused', async () => {
  const dir = await makeTempDir('lifeboat-serve-');
  const repo = await makeTestRepository();
  try {
    const base = { repo, env: {}, stateDir: dir, tokenFile: join(dir, 'state', 'console-token') };
    await assert.rejects(startConsole({ ...base, listen: { host: '0.0.0.0', port: 0 } }), /not a loopback address, without TLS/);
    const running = await startConsole({ ...base, listen: { host: '127.0.0.1', port: 0 } });
    try {
      assert.equal((await stat(base.tokenFile)).mode & 0o777, 0o600);
      const token = (await readFile(base.tokenFile, 'utf8')).trim();
      assert.ok(token.length >= 40);
      assert.equal(running.loginUrl, `${running.url}/login?token=${token}`);
      assert.equal((await fetch(`${running.url}/`)).status, 401);
      const login = await fetch(running.loginUrl, { redirect: 'manual' });
      assert.equal(login.status, 303);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const page = await fetch(`${running.url}/`, { headers: { cookie } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /no proven, pinned restore point yet/);
    } finally {
      await running.close();
    }
    await writeFile(base.tokenFile, 'a-token-the-operator-chose-0123456789\n', { mode: 0o600 });
    const again = await startConsole({ ...base, listen: { host: '127.0.0.1', port: 0 } });
    assert.equal(again.newToken, false);
    assert.match(again.loginUrl, /token=a-token-the-operator-chose-0123456789$/);
    await again.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
