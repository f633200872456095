/** Running the real restic binary and our own CLI (as a user would) from tests. */
import { spawn } from 'node:child_process';
import { faultKillHook, lifeboatBin } from './paths.js';

export interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export function run(cmd: string, args: string[], options: { env?: Record<string, string>; input?: Buffer | string; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    // a command that exits without reading its input (umount, losetup) closes the pipe first: EPIPE here is not a failure
    child.stdin.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') reject(e);
    });
    child.stdin.end(options.input ?? '');
  });
}

export const TEST_PASSWORD = 'correct horse battery staple';

/** Runs restic against `repo` with the test password; throws with its stderr on failure unless `allowFail`. */
export async function restic(repo: string, args: string[], options: { allowFail?: boolean; env?: Record<string, string> } = {}): Promise<RunResult> {
  const r = await run('restic', ['--no-cache', '-r', repo, ...args], {
    env: { RESTIC_PASSWORD: TEST_PASSWORD, ...options.env },
  });
  if (r.code !== 0 && !options.allowFail) throw new Error(`restic ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

export interface LifeboatRunOptions {
  env?: Record<string, string>;
  input?: Buffer | string;
  /** Preload the fault-injection tests' hook (fault-kill-hook.ts): `-o fault.*` allowed, KILL_AFTER_* honoured. */
  faultHook?: boolean;
}

/** Runs ./bin/lifeboat against `repo` with the test password. */
export async function lifeboat(repo: string | undefined, args: string[], options: LifeboatRunOptions = {}): Promise<RunResult> {
  const preload = options.faultHook ? ['--import', faultKillHook] : [];
  return run(process.execPath, [...preload, lifeboatBin, ...(repo ? ['-r', repo] : []), ...args], {
    env: { LIFEBOAT_PASSWORD: TEST_PASSWORD, ...options.env },
    input: options.input,
  });
}

export async function lifeboatOk(repo: string | undefined, args: string[], options: LifeboatRunOptions = {}): Promise<RunResult> {
  const r = await lifeboat(repo, args, options);
  if (r.code !== 0) throw new Error(`lifeboat ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}
