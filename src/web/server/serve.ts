/**
 * Listening: loopback by default; any other address only with TLS. The access token is the
 * given token file's, else a new one written to it (0600). Returns the URL to log in with.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { writeFileAtomic } from '../../app/output-file.js';
import { LifeboatError } from '../../core/index.js';
import { newToken } from './auth.js';
import { createConsoleApp, type ConsoleApp } from './app.js';
import type { ConsoleOptions } from './context.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `127.0.0.1:9898`, `[::1]:9898`, `localhost:9898` or `:9898` (loopback). */
export function parseListen(value: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new LifeboatError('E_USAGE', `--listen ${value}: want HOST:PORT`, { hint: 'e.g. --listen 127.0.0.1:9898' });
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

export interface ServeOptions extends Omit<ConsoleOptions, 'token' | 'secure'> {
  listen: ListenAddress;
  tokenFile: string;
  tls?: { cert: string; key: string };
}

export interface RunningConsole {
  url: string;
  /** The URL with the one-time `?token=` to open in a browser. */
  loginUrl: string;
  /** True when the token was made now (and written to the token file). */
  newToken: boolean;
  console: ConsoleApp;
  close(): Promise<void>;
}

async function loadOrCreateToken(file: string): Promise<{ token: string; created: boolean }> {
  const existing = await readFile(file, 'utf8').then(
    (s) => s.trim(),
    () => '',
  );
  if (existing.length >= 16) return { token: existing, created: false };
  const token = newToken();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${token}\n`);
  return { token, created: true };
}

export async function startConsole(opts: ServeOptions): Promise<RunningConsole> {
  const { host, port } = opts.listen;
  if (!isLoopback(host) && !opts.tls) {
    throw new LifeboatError('E_USAGE', `refusing to listen on ${host}, which is not a loopback address, without TLS`, { hint: 'add --tls-cert FILE --tls-key FILE, or listen on 127.0.0.1' });
  }
  const tls = opts.tls ? { cert: await readFile(opts.tls.cert), key: await readFile(opts.tls.key) } : undefined;
  const { token, created } = await loadOrCreateToken(opts.tokenFile);
  const consoleApp = createConsoleApp({ ...opts, token, secure: Boolean(tls) });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: consoleApp.app.fetch, hostname: host, port, ...(tls ? { createServer: createHttpsServer, serverOptions: tls } : {}) }, () => resolve(s));
    s.once('error', reject);
  });
  consoleApp.context.warmUp();
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  return {
    url,
    loginUrl: `${url}/login?token=${token}`,
    newToken: created,
    console: consoleApp,
    async close() {
      await consoleApp.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}
