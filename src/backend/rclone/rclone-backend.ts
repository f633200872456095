/**
 * A repository on any rclone remote, the way restic does it: spawn
 * `rclone serve restic --stdio REMOTE:PATH` and speak restic's REST protocol to it over the
 * child's stdin/stdout. rclone serves HTTP/2 with prior knowledge there (h2c), so requests are
 * multiplexed over the one pipe.
 *
 *   spawn rclone (stderr kept for messages) → HTTP/2 session over its stdio → RestBackend
 *   close: end the session, close stdin, wait for the exit (SIGTERM, then SIGKILL, if it lingers)
 *
 * If rclone exits early (a remote that does not exist, a bad flag), every call fails with a
 * permanent BackendError quoting the end of rclone's stderr.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import { BackendError } from '../../core/index.js';
import type { Backend, BackendOptions, FileInfo, FileType, Handle } from '../index.js';
import { Http2Client } from '../http/index.js';
import { RestBackend } from '../rest/index.js';

export interface RcloneOptions {
  /** `remote:path` */
  remote: string;
  /** For messages: `rclone:remote:path`. */
  location: string;
  connections: number;
  idleTimeoutMs: number;
  /** The rclone binary (`-o rclone.program`). */
  program?: string;
  /** Arguments before the remote (`-o rclone.args`); restic's default is `serve restic --stdio --b2-hard-delete`. */
  args?: string[];
  env?: Readonly<Record<string, string | undefined>>;
}

const DEFAULT_ARGS = ['serve', 'restic', '--stdio', '--b2-hard-delete'];
const STDERR_KEEP = 4096;

export class RcloneBackend implements Backend {
  readonly strongListing = true;
  private readonly rest: RestBackend;
  private readonly client: Http2Client;
  private readonly child: ChildProcess;
  private stderr = '';
  private exited = false;
  /** Settles with the reason once rclone is gone (failed to start or exited). */
  private readonly died: Promise<BackendError>;
  private closing = false;

  constructor(private readonly options: RcloneOptions) {
    const program = options.program ?? 'rclone';
    const args = [...(options.args ?? DEFAULT_ARGS), options.remote];
    this.child = spawn(program, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...(options.env ?? process.env) },
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-STDERR_KEEP);
    });
    const connection = Duplex.from({ readable: this.child.stdout!, writable: this.child.stdin! });
    connection.on('error', () => undefined); // reported through the session / the exit below
    this.client = new Http2Client(connection, { idleTimeoutMs: options.idleTimeoutMs });
    this.died = new Promise<BackendError>((resolve) => {
      this.child.on('error', (err: NodeJS.ErrnoException) => {
        this.exited = true;
        resolve(
          new BackendError(`${options.location}: cannot start ${program}: ${err.message}`, {
            cause: err,
            hint: err.code === 'ENOENT' ? 'install rclone, or name its path with -o rclone.program=PATH' : undefined,
          }),
        );
      });
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        resolve(
          new BackendError(`${options.location}: rclone exited (${signal ?? `code ${code}`})${this.lastLines()}`, {
            hint: 'check the remote with `rclone lsd REMOTE:` and the rclone configuration',
          }),
        );
      });
    });
    void this.died.then((err) => {
      if (!this.closing) this.client.fail(err);
    });
    this.rest = new RestBackend(this.client, options.location, options.connections);
  }

  private lastLines(): string {
    const lines = this.stderr.trim().split('\n').filter(Boolean).slice(-3);
    return lines.length ? `: ${lines.join(' | ')}` : '';
  }

  get location(): string {
    return this.options.location;
  }
  get connections(): number {
    return this.options.connections;
  }

  /**
   * Runs a call; when it fails because the connection broke, waits a moment for rclone's exit
   * so the error says why (rclone's own message) instead of "the stream was closed".
   */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof BackendError && err.transient && !this.closing) {
        const reason = await Promise.race([this.died, new Promise<undefined>((r) => setTimeout(() => r(undefined), 1000).unref())]);
        if (reason) throw reason;
      }
      throw err;
    }
  }

  create(options?: BackendOptions): Promise<void> {
    return this.guard(() => this.rest.create(options));
  }
  save(h: Handle, data: Uint8Array, options?: BackendOptions): Promise<void> {
    return this.guard(() => this.rest.save(h, data, options));
  }
  load(h: Handle, offset?: number, length?: number, options?: BackendOptions): Promise<Buffer> {
    return this.guard(() => this.rest.load(h, offset, length, options));
  }
  stat(h: Handle, options?: BackendOptions): Promise<FileInfo> {
    return this.guard(() => this.rest.stat(h, options));
  }
  async *list(type: FileType, options?: BackendOptions): AsyncIterable<FileInfo> {
    const it = this.rest.list(type, options)[Symbol.asyncIterator]();
    for (;;) {
      const next = await this.guard(() => it.next());
      if (next.done) return;
      yield next.value;
    }
  }
  remove(h: Handle, options?: BackendOptions): Promise<void> {
    return this.guard(() => this.rest.remove(h, options));
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.exited) return;
    const exit = once(this.child, 'exit');
    await Promise.race([this.client.close(), new Promise((r) => setTimeout(r, 2000))]);
    this.child.stdin!.end();
    const term = setTimeout(() => this.child.kill('SIGTERM'), 2000);
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 7000);
    await exit;
    clearTimeout(term);
    clearTimeout(kill);
  }
}
