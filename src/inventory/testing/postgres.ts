/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp directory (as the `postgres`
 * user when the tests run as root, since postgres refuses to run as root), pg_ctl start on a
 * free loopback port with its socket in the same directory, scram passwords. stop() tears it down.
 */
import { chown, mkdtemp, readdir, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../platform/exec/index.js';
import { freePort } from './net.js';

export interface Postgres {
  dir: string;
  port: number;
  superuser: string;
  superuserPassword: string;
  url(user: string, password?: string, database?: string): string;
  stop(): Promise<void>;
}

async function binDir(): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql')).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error('PostgreSQL is not installed (run scripts/inventory-test-deps.sh)');
  return join('/usr/lib/postgresql', versions[0], 'bin');
}

export async function startPostgres(): Promise<Postgres> {
  const bin = await binDir();
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = async (cmd: string, args: string[]): Promise<void> => {
    const [c, a] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    const r = await runCommand(c, a, { timeoutMs: 120_000, cwd: dir });
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  };
  try {
    await chmod(dir, 0o700);
    const superuserPassword = 'pg-super-secret';
    await writeFile(join(dir, 'pw'), `${superuserPassword}\n`);
    if (asRoot) {
      const { uid, gid } = await idsOf('postgres');
      await chown(dir, uid, gid);
      await chown(join(dir, 'pw'), uid, gid);
    }
    const data = join(dir, 'data');
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${join(dir, 'pw')}`, '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    const port = await freePort();
    await run(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-w',
      '-t',
      '60',
      '-l',
      join(dir, 'log'),
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=20`,
      'start',
    ]);
    const stop = async (): Promise<void> => {
      await run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    };
    return {
      dir,
      port,
      superuser: 'postgres',
      superuserPassword,
      url: (user, password, database = 'postgres') => `postgres://${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/${database}`,
      stop,
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function idsOf(user: string): Promise<{ uid: number; gid: number }> {
  const r = await runCommand('id', ['-u', user]);
  const g = await runCommand('id', ['-g', user]);
  return { uid: Number(r.stdout.toString().trim()), gid: Number(g.stdout.toString().trim()) };
}
