/**
 * A repository on an SSH server, the way restic does it: spawn `ssh [-p PORT] [-l USER] HOST
 * -s sftp` (or the whole command from `-o sftp.command`, extra ssh arguments from `-o sftp.args`)
 * and speak SFTP over the child's stdin/stdout. The user's ssh configuration, agent, known hosts
 * and keys apply as they do for restic; no password is ever passed on a command line.
 *
 * Why spawning ssh and our own SFTP client rather than an SSH library: the SSH library for
 * Node.js (ssh2) makes its own connections and would bypass ~/.ssh/config, ProxyJump, the agent
 * and known_hosts; its SFTP client is not offered over an arbitrary stream. SFTP version 3 is a
 * small request/reply protocol (sftp-client.ts), so speaking it over ssh's stdio keeps restic's
 * behaviour and options exactly.
 *
 * Layout: restic's (`config`, `keys/ID`, `data/XX/ID`, …). Saves are atomic and never replace a
 * file: bytes go to `NAME-tmp-RANDOM` (0600), then SSH_FXP_RENAME, which OpenSSH refuses when
 * the name exists; the existing file is then compared with the new bytes (equal: success).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BackendError, LifeboatError, NotFoundError, errorMessage } from '../../core/index.js';
import type { Backend, BackendOptions, FileInfo, FileType, Handle } from '../index.js';
import { describeHandle } from '../index.js';
import { OPEN, STATUS, SftpClient, SftpStatusError } from './sftp-client.js';

export interface SftpOptions {
  host: string;
  user?: string;
  port?: number;
  /** Repository directory on the server (relative: to the login directory). */
  path: string;
  /** For messages: `sftp:user@host:/path`. */
  location: string;
  connections: number;
  /** `-o sftp.command`: the whole command, split at white space (no host is added). */
  command?: string[];
  /** `-o sftp.args`: extra ssh arguments before `-s sftp`. */
  args?: string[];
  env?: Readonly<Record<string, string | undefined>>;
}

const CHUNK = 32 * 1024;
const WINDOW = 64;
const STDERR_KEEP = 4096;
const ID = /^[0-9a-f]{64}$/;

/** The ssh command line restic builds for a location. */
export function sshCommand(o: Pick<SftpOptions, 'host' | 'user' | 'port' | 'command' | 'args'>): { program: string; args: string[] } {
  if (o.command?.length) return { program: o.command[0]!, args: o.command.slice(1) };
  const args = [o.host];
  if (o.port !== undefined) args.push('-p', String(o.port));
  if (o.user) args.push('-l', o.user);
  args.push(...(o.args ?? []), '-s', 'sftp');
  return { program: 'ssh', args };
}

export class SftpBackend implements Backend {
  readonly strongListing = true;
  readonly location: string;
  readonly connections: number;
  private readonly child: ChildProcess;
  private stderr = '';
  private readonly client: Promise<SftpClient>;
  private closed = false;
  private readonly exited: Promise<void>;

  constructor(private readonly options: SftpOptions) {
    this.location = options.location;
    this.connections = options.connections;
    const { program, args } = sshCommand(options);
    this.child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...(options.env ?? process.env) } });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-STDERR_KEEP);
    });
    this.child.stdin!.on('error', () => undefined);
    let gone!: (err: Error) => void;
    const died = new Promise<Error>((resolve) => (gone = resolve));
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        gone(new Error(`cannot start ${program}: ${err.message}`));
        resolve();
      });
      this.child.once('exit', (code, sig) => {
        gone(new Error(`${program} exited (${sig ?? `code ${code}`})${this.stderr.trim() ? `: ${this.stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`));
        resolve();
      });
    });
    this.client = SftpClient.start(this.child.stdin!, this.child.stdout!, died);
    this.client.catch(() => undefined);
  }

  private async sftp(): Promise<SftpClient> {
    try {
      return await this.client;
    } catch (err) {
      // ssh's own words (a refused login, an unknown host) arrive on stderr as it exits
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      const said = this.stderr.trim().split('\n').slice(-3).join(' / ');
      throw new BackendError(`${this.location}: no SFTP session: ${errorMessage(err)}${said && !errorMessage(err).includes(said) ? ` (ssh: ${said})` : ''}`, {
        cause: err,
        hint: 'check that `ssh HOST` logs in without a prompt (keys or agent), or set -o sftp.command',
      });
    }
  }

  private dir(type: FileType): string {
    return `${this.options.path}/${type}`;
  }

  private path(h: Handle): string {
    if (h.type === 'config') return `${this.options.path}/config`;
    if (!h.name || h.name.includes('/') || h.name === '.' || h.name === '..') throw new TypeError(`invalid file name ${JSON.stringify(h.name)}`);
    return h.type === 'data' ? `${this.dir('data')}/${h.name.slice(0, 2)}/${h.name}` : `${this.dir(h.type)}/${h.name}`;
  }

  /** Maps a failure of an SFTP request on `h` to the backend's errors. */
  private error(h: Handle | undefined, what: string, err: unknown): Error {
    if (err instanceof LifeboatError || err instanceof TypeError || err instanceof RangeError) return err;
    if (err instanceof Error && err.name === 'AbortError') return err;
    const name = h ? describeHandle(h) : this.location;
    if (err instanceof SftpStatusError) {
      if (err.status === STATUS.NO_SUCH_FILE) return new NotFoundError(`${name} does not exist at ${this.location}`, { cause: err });
      return new BackendError(`${what} ${name} at ${this.location}: ${err.message}`, { cause: err, transient: err.status === STATUS.CONNECTION_LOST || err.status === STATUS.NO_CONNECTION });
    }
    return new BackendError(`${what} ${name} at ${this.location}: ${errorMessage(err)}`, { cause: err });
  }

  async create(options: BackendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const c = await this.sftp();
    if (await this.exists(c, `${this.options.path}/config`)) {
      throw new LifeboatError('E_REPO_EXISTS', `${this.location}: a repository exists there already (config found)`, { hint: 'use another path, or open this one' });
    }
    const dirs: string[] = [];
    const parts = this.options.path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (d && d !== '.') dirs.push(d);
    }
    for (const t of ['keys', 'locks', 'snapshots', 'index', 'data'] as const) dirs.push(this.dir(t));
    for (let i = 0; i < 256; i++) dirs.push(`${this.dir('data')}/${i.toString(16).padStart(2, '0')}`);
    for (const d of dirs) {
      options.signal?.throwIfAborted();
      await c.mkdir(d).catch(async (err: unknown) => {
        const st = await c.stat(d).catch(() => undefined);
        if (!st) throw this.error(undefined, `mkdir ${d}`, err);
      });
    }
  }

  private async exists(c: SftpClient, path: string): Promise<boolean> {
    try {
      await c.stat(path);
      return true;
    } catch (err) {
      if (err instanceof SftpStatusError && err.status === STATUS.NO_SUCH_FILE) return false;
      throw this.error(undefined, `stat ${path}`, err);
    }
  }

  async save(h: Handle, data: Uint8Array, options: BackendOptions = {}): Promise<void> {
    const signal = options.signal;
    const path = this.path(h);
    signal?.throwIfAborted();
    const c = await this.sftp();
    const tmp = `${path}-tmp-${randomBytes(8).toString('hex')}`;
    let file: Buffer;
    try {
      file = await c.open(tmp, OPEN.WRITE | OPEN.CREAT | OPEN.EXCL, 0o600);
    } catch (err) {
      throw this.error(h, 'save', err);
    }
    let renamed = false;
    try {
      for (let off = 0; off < data.length; off += CHUNK * WINDOW) {
        signal?.throwIfAborted();
        const writes: Promise<void>[] = [];
        for (let o = off; o < Math.min(data.length, off + CHUNK * WINDOW); o += CHUNK) writes.push(c.write(file, o, data.subarray(o, Math.min(data.length, o + CHUNK))));
        await Promise.all(writes);
      }
      await c.close(file);
      signal?.throwIfAborted();
      try {
        await c.rename(tmp, path);
        renamed = true;
      } catch (err) {
        if (!(err instanceof SftpStatusError) || !(await this.exists(c, path))) throw err;
        const existing = await this.load(h, 0, 0);
        if (!existing.equals(data)) {
          throw new BackendError(`cannot save ${describeHandle(h)} at ${this.location}: it exists with other content`, { hint: 'the repository holds a different file under this name: run check' });
        }
      }
    } catch (err) {
      throw this.error(h, 'save', err);
    } finally {
      if (!renamed) await c.remove(tmp).catch(() => undefined);
    }
  }

  async load(h: Handle, offset = 0, length = 0, options: BackendOptions = {}): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw new RangeError(`invalid range ${offset}+${length}`);
    const path = this.path(h);
    const signal = options.signal;
    signal?.throwIfAborted();
    const c = await this.sftp();
    let file: Buffer;
    try {
      file = await c.open(path, OPEN.READ);
    } catch (err) {
      throw this.error(h, 'load', err);
    }
    try {
      let want = length;
      if (want === 0) {
        const size = (await c.fstat(file)).size ?? 0;
        if (offset > size) throw new BackendError(`load ${describeHandle(h)} at ${this.location}: truncated (offset ${offset} past the end, ${size} bytes)`);
        want = size - offset;
      }
      const out = Buffer.allocUnsafe(want);
      let got = 0;
      for (let at = 0; at < want; at += CHUNK * WINDOW) {
        signal?.throwIfAborted();
        const reads: Promise<Buffer>[] = [];
        for (let o = at; o < Math.min(want, at + CHUNK * WINDOW); o += CHUNK) reads.push(c.read(file, offset + o, Math.min(CHUNK, want - o)));
        const parts = await Promise.all(reads);
        for (const [i, p] of parts.entries()) {
          const o = at + i * CHUNK;
          p.copy(out, o);
          if (p.length < Math.min(CHUNK, want - o)) {
            throw new BackendError(`load ${describeHandle(h)} at ${this.location}: truncated (${offset + o + p.length} bytes, ${offset + want} wanted)`);
          }
          got += p.length;
        }
      }
      signal?.throwIfAborted();
      return out.subarray(0, got);
    } catch (err) {
      throw this.error(h, 'load', err);
    } finally {
      await c.close(file).catch(() => undefined);
    }
  }

  async stat(h: Handle, options: BackendOptions = {}): Promise<FileInfo> {
    const path = this.path(h);
    options.signal?.throwIfAborted();
    const c = await this.sftp();
    try {
      return { name: h.name, size: (await c.stat(path)).size ?? 0 };
    } catch (err) {
      throw this.error(h, 'stat', err);
    }
  }

  async *list(type: FileType, options: BackendOptions = {}): AsyncIterable<FileInfo> {
    options.signal?.throwIfAborted();
    const c = await this.sftp();
    const entries = async (dir: string): Promise<{ name: string; attrs: { size?: number } }[]> => {
      try {
        return await c.readdir(dir);
      } catch (err) {
        if (err instanceof SftpStatusError && err.status === STATUS.NO_SUCH_FILE) return [];
        throw this.error(undefined, `list ${dir}`, err);
      }
    };
    const dirs = type === 'data' ? (await entries(this.dir('data'))).filter((e) => /^[0-9a-f]{2}$/.test(e.name)).map((e) => `${this.dir('data')}/${e.name}`) : [this.dir(type)];
    for (const d of dirs) {
      options.signal?.throwIfAborted();
      for (const e of await entries(d)) if (ID.test(e.name)) yield { name: e.name, size: e.attrs.size ?? 0 };
    }
  }

  async remove(h: Handle, options: BackendOptions = {}): Promise<void> {
    const path = this.path(h);
    options.signal?.throwIfAborted();
    const c = await this.sftp();
    try {
      await c.remove(path);
    } catch (err) {
      throw this.error(h, 'remove', err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGTERM'), 2000);
    await this.exited;
    clearTimeout(timer);
  }
}
