import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BackendError, sha256Id } from '../../core/index.js';
import { makeTempDir } from '../../../test/helpers/tmp.js';
import { handle } from '../index.js';
import { type SshdServer, runBackendContract, startSshd } from '../testing/index.js';
import { SftpBackend, sshCommand } from './index.js';

let dir: string;
let sshd: SshdServer;
let n = 0;

before(async () => {
  dir = await makeTempDir('lifeboat-sftp-');
  sshd = await startSshd(join(dir, 'sshd'));
});

after(async () => {
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

const open = (path: string, extra: Partial<ConstructorParameters<typeof SftpBackend>[0]> = {}): SftpBackend =>
  new SftpBackend({ host: '127.0.0.1', port: sshd.port, user: sshd.user, path, location: `sftp:127.0.0.1:${path}`, connections: 5, args: sshd.sshArgs, ...extra });

runBackendContract('sftp (ssh -s sftp to OpenSSH sshd)', async () => {
  const path = join(dir, `repo-${++n}`);
  return { backend: open(path), cleanup: () => rm(path, { recursive: true, force: true }) };
});

test("sftp: the ssh command line is restic's; files land in restic's layout", async () => {
  assert.deepEqual(sshCommand({ host: 'h', user: 'u', port: 2222, args: ['-i', 'k'] }), { program: 'ssh', args: ['h', '-p', '2222', '-l', 'u', '-i', 'k', '-s', 'sftp'] });
  assert.deepEqual(sshCommand({ host: 'h', command: ['ssh', 'h', '-s', 'sftp'] }), { program: 'ssh', args: ['h', '-s', 'sftp'] });
  const path = join(dir, 'layout');
  const b = open(path);
  await b.create();
  const id = sha256Id(Buffer.from('pack'));
  await b.save(handle('data', id), Buffer.from('pack'));
  assert.equal(await readFile(join(path, 'data', id.slice(0, 2), id), 'utf8'), 'pack');
  await b.close();
});

test('sftp: a login that fails is a BackendError quoting ssh', async () => {
  const b = open(join(dir, 'x'), { user: 'no-such-user-here' });
  await assert.rejects(b.stat(handle('config')), (err: unknown) => err instanceof BackendError && /no SFTP session/.test(err.message) && /Permission denied/.test(err.message));
  await b.close();
});
