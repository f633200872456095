/**
 * The little HTTP the REST and rclone backends need: one request in, status + headers + the
 * whole body out. Two transports keep one interface: HTTP/1.1 over TCP/TLS with a keep-alive
 * pool (`Http1Client`, REST servers) and HTTP/2 over a duplex stream (`Http2Client`, the stdio of
 * `rclone serve restic --stdio`, which speaks h2c only).
 *
 * Network failures are thrown as the Node errors they are (ECONNREFUSED, ECONNRESET, a stream
 * cut short…); the backend classifies them with `classifyNetworkError`, because only it knows
 * which object and location to name. An aborted signal rejects with the signal's reason.
 */
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query, relative to the client's base path (no leading '/'). */
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

/** A response ended before its Content-Length, or a socket went quiet: worth a retry. */
export class ConnectionError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

export interface Http1Options {
  /** Parallel sockets at most (the backend's connections). */
  maxSockets: number;
  /** A socket without traffic for this long is cut (ConnectionError ETIMEDOUT). */
  idleTimeoutMs: number;
  /** Extra CA certificates (PEM) to trust for https. */
  ca?: string | Buffer;
}

/** HTTP/1.1 to `baseUrl` (http or https; user:password in the URL becomes Basic auth). */
export class Http1Client implements HttpClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly auth: string | undefined;

  constructor(
    baseUrl: string,
    private readonly options: Http1Options,
  ) {
    const url = new URL(baseUrl);
    this.auth = url.username || url.password ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : undefined;
    url.username = '';
    url.password = '';
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.base = url;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets, scheduling: 'lifo' as const };
    this.agent = url.protocol === 'https:' ? new https.Agent({ ...agentOptions, ca: options.ca }) : new http.Agent(agentOptions);
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const signal = req.signal;
    signal?.throwIfAborted();
    const url = new URL(req.path, this.base);
    const lib = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...req.headers };
    if (this.auth) headers.authorization = this.auth;
    if (req.body) headers['content-length'] = String(req.body.length);
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(signal?.aborted ? signal.reason : err);
      };
      const onAbort = (): void => {
        request.destroy();
        fail(signal?.reason);
      };
      const request = lib.request(url, { method: req.method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let got = 0;
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          got += c.length;
        });
        res.on('error', fail);
        res.on('aborted', () => fail(new ConnectionError('the connection was cut while reading the response', 'ECONNRESET')));
        res.on('end', () => {
          const expected = res.headers['content-length'];
          if (req.method !== 'HEAD' && expected !== undefined && Number(expected) !== got) {
            fail(new ConnectionError(`the response ended after ${got} of ${expected} bytes`, 'ECONNRESET'));
            return;
          }
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, got) });
        });
      });
      request.setTimeout(this.options.idleTimeoutMs, () => {
        request.destroy(new ConnectionError(`no answer for ${Math.round(this.options.idleTimeoutMs / 1000)}s`, 'ETIMEDOUT'));
      });
      request.on('error', fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      request.end(req.body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

export interface Http2Options {
  /** A stream without traffic for this long is cut (ConnectionError ETIMEDOUT). */
  idleTimeoutMs: number;
}

/**
 * HTTP/2 with prior knowledge (h2c) over one duplex stream, e.g. a child process's stdio.
 * Requests are multiplexed; `onClosed` fires once the session is gone.
 */
export class Http2Client implements HttpClient {
  private readonly session: http2.ClientHttp2Session;
  private failure: Error | undefined;

  constructor(
    private readonly connection: Duplex,
    private readonly options: Http2Options,
  ) {
    this.session = http2.connect('http://localhost', {
      createConnection: () => connection,
      // packs are MiBs: large windows keep the pipe busy instead of waiting for WINDOW_UPDATEs
      settings: { initialWindowSize: 8 * 1024 * 1024, enablePush: false },
      // whole packs in flight in both directions: nghttp2's default 10 MB budget would make it
      // reset streams (ENHANCE_YOUR_CALM)
      maxSessionMemory: 512,
    });
    this.session.on('connect', () => this.session.setLocalWindowSize(32 * 1024 * 1024));
    this.session.on('error', (err: Error) => {
      this.failure ??= err;
    });
    this.session.on('close', () => {
      this.failure ??= new ConnectionError('the HTTP/2 session was closed', 'ECONNRESET');
    });
  }

  /** Marks the session broken (e.g. the process behind it exited) with a reason for every later request. */
  fail(err: Error): void {
    this.failure = err;
    // The peer is gone. Destroying the session now would send GOAWAY into the dead pipe, and over
    // a JS stream Node 20 then fails an internal assertion when a write is still pending (an
    // uncaught exception). Ending the transport instead lets the session close itself without
    // writing; requests still open fail with it, new ones with `failure` at once.
    this.connection.destroy();
    setTimeout(() => {
      if (!this.session.destroyed) this.session.destroy();
    }, 5000).unref();
  }

  request(req: HttpRequest): Promise<HttpResponse> {
    const signal = req.signal;
    signal?.throwIfAborted();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(signal?.aborted ? signal.reason : (this.failure ?? err));
      };
      const headers: http2.OutgoingHttpHeaders = { ':method': req.method, ':path': `/${req.path}`, ...req.headers };
      if (req.body) headers['content-length'] = req.body.length;
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.session.request(headers, { endStream: !req.body });
      } catch (err) {
        fail(err);
        return;
      }
      const onAbort = (): void => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        fail(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.setTimeout(this.options.idleTimeoutMs, () => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        fail(new ConnectionError(`no answer for ${Math.round(this.options.idleTimeoutMs / 1000)}s`, 'ETIMEDOUT'));
      });
      let status = 0;
      let resHeaders: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      let got = 0;
      stream.on('response', (h) => {
        status = Number(h[':status']);
        resHeaders = h;
      });
      stream.on('data', (c: Buffer) => {
        chunks.push(c);
        got += c.length;
      });
      stream.on('error', fail);
      stream.on('close', () => {
        if (settled) return;
        if (status === 0 || stream.rstCode !== http2.constants.NGHTTP2_NO_ERROR) {
          fail(new ConnectionError(`the stream was closed (code ${stream.rstCode}) before a complete answer`, 'ECONNRESET'));
          return;
        }
        const expected = resHeaders['content-length'];
        if (req.method !== 'HEAD' && expected !== undefined && Number(expected) !== got) {
          fail(new ConnectionError(`the response ended after ${got} of ${String(expected)} bytes`, 'ECONNRESET'));
          return;
        }
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        resolve({ status, headers: resHeaders, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, got) });
      });
      if (req.body) stream.end(req.body);
    });
  }

  async close(): Promise<void> {
    if (this.session.closed || this.session.destroyed) return;
    await new Promise<void>((resolve) => this.session.close(() => resolve()));
  }
}
