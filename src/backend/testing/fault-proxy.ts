/**
 * A tiny HTTP(S) proxy on loopback that misbehaves on purpose, for tests of what a flaky store
 * does to a real client: answer 500, cut the connection midway through an upload or a download,
 * or never answer. Everything else is forwarded to the upstream server unchanged.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export type ProxyAction = 'pass' | 'error-500' | 'cut-request' | 'cut-response' | 'hang';

export interface ProxyRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
}

export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  endpoint: string;
  /** Requests seen, and how many of them were not passed through. */
  counts: { requests: number; faults: number };
  /** Replaces the plan (e.g. to heal the store). */
  setPlan(plan: (req: ProxyRequest, n: number) => ProxyAction): void;
  stop(): Promise<void>;
}

export interface FaultProxyOptions {
  /** `https://127.0.0.1:PORT` or `http://…` */
  upstream: string;
  /** Serve TLS with this key and certificate (the upstream's, so clients trust both). */
  tls?: { key: Buffer; cert: Buffer };
  /** CA to trust for an https upstream. */
  ca?: Buffer;
  plan: (req: ProxyRequest, n: number) => ProxyAction;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const lib = upstream.protocol === 'https:' ? https : http;
  const agent = upstream.protocol === 'https:' ? new https.Agent({ keepAlive: true, ca: options.ca }) : new http.Agent({ keepAlive: true });
  let plan = options.plan;
  const counts = { requests: 0, faults: 0 };
  const hanging = new Set<http.ServerResponse>();

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const action = plan({ method: req.method ?? 'GET', url: req.url ?? '/' }, ++counts.requests);
    if (action !== 'pass') counts.faults++;
    switch (action) {
      case 'error-500':
        req.resume();
        req.on('end', () => {
          res.writeHead(500, { 'content-type': 'application/xml' });
          res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected</Message></Error>');
        });
        return;
      case 'hang':
        req.resume();
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      case 'cut-request': {
        // let part of the upload through to nowhere, then drop the connection
        let got = 0;
        req.on('data', (c: Buffer) => {
          got += c.length;
          if (got > 64 * 1024) req.socket.destroy();
        });
        req.on('end', () => req.socket.destroy());
        return;
      }
    }
    const forward = lib.request({ protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (action === 'cut-response') {
        const length = Number(up.headers['content-length'] ?? 0);
        let sent = 0;
        up.on('data', (c: Buffer) => {
          if (sent + c.length >= length / 2) {
            res.write(c.subarray(0, Math.max(0, Math.floor(length / 2) - sent)));
            res.socket?.destroy();
            up.destroy();
            return;
          }
          sent += c.length;
          res.write(c);
        });
        up.on('end', () => res.socket?.destroy());
        return;
      }
      up.pipe(res);
    });
    forward.on('error', () => res.socket?.destroy());
    req.pipe(forward);
  };

  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `127.0.0.1:${port}`,
    counts,
    setPlan: (p) => {
      plan = p;
    },
    stop: async () => {
      for (const res of hanging) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
