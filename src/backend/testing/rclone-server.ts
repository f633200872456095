/**
 * `rclone serve restic` on loopback for tests: a real REST server (restic's protocol v2) over a
 * local directory, started by the test and stopped by `stop()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface RcloneServer {
  /** `http://127.0.0.1:PORT/` */
  url: string;
  /** The directory rclone serves. */
  dir: string;
  stop(): Promise<void>;
}

/** Starts `rclone serve restic` on a free loopback port, serving `dir` (made if missing). */
export async function startRcloneServer(dir: string, extraArgs: string[] = []): Promise<RcloneServer> {
  const child = spawn('rclone', ['serve', 'restic', '--addr', '127.0.0.1:0', ...extraArgs, dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RCLONE_CONFIG: '/dev/null' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`rclone serve restic did not start: ${log}`)), 20_000);
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
      const m = /Serving restic REST API on (http:\/\/[^\s]+\/)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rclone serve restic exited with ${code}: ${log}`));
    });
  });
  child.stderr.resume();
  return { url, dir, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
