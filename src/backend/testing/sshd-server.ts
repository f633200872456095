/**
 * OpenSSH's sshd on loopback for tests: a temporary host key, a temporary client key authorised
 * for the current user, a config in a temporary directory, SFTP served by `internal-sftp`.
 * `sshArgs` are the ssh options a client needs (restic's `-o sftp.args`); `stop()` ends sshd.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export interface SshdServer {
  port: number;
  user: string;
  /** `-i KEY -p PORT -o …`: what `ssh` needs to log in without questions. */
  sshArgs: string[];
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Starts sshd with its files in `dir` (made if missing). */
export async function startSshd(dir: string): Promise<SshdServer> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // sshd's privilege separation directory (Debian's package makes it at boot only)
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
  const authorized = join(dir, 'authorized_keys');
  execFileSync('cp', [`${clientKey}.pub`, authorized]);
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorized}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const started = Date.now();
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() - started > 15_000) {
      child.kill();
      throw new Error(`sshd did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const sshArgs = [
    '-F',
    '/dev/null',
    '-i',
    clientKey,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
    '-o',
    'LogLevel=ERROR',
  ];
  return {
    port,
    user: userInfo().username,
    sshArgs,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
