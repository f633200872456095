/**
 * Real receivers for notification tests, on loopback: an HTTP listener that records each POST
 * (and can answer 500, hang, or be closed so connections are refused), and an SMTP server
 * (smtp-server) offering STARTTLS with a throw-away self-signed certificate (openssl) and
 * requiring AUTH, which parses each message with mailparser.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { makeSelfSignedCert } from '../../../platform/testing/self-signed-cert.js';

export interface ReceivedPost {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  time: number;
}

export type Behaviour = 'ok' | 'fail500' | 'hang' | 'bad400';

export interface HttpReceiver {
  url: (path?: string) => string;
  posts: ReceivedPost[];
  /** How the listener answers from now on. */
  behave: (b: Behaviour) => void;
  close: () => Promise<void>;
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const posts: ReceivedPost[] = [];
  let behaviour: Behaviour = 'ok';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), time: Date.now() });
      if (behaviour === 'hang') return; // never answers
      if (behaviour === 'fail500') res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      else if (behaviour === 'bad400') res.writeHead(400, { 'content-type': 'text/plain' }).end('Invalid webhook payload');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('1');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    posts,
    behave: (b) => (behaviour = b),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SmtpReceiver {
  port: number;
  /** The self-signed certificate to trust (PEM file). */
  caFile: string;
  messages: { mail: ParsedMail; user: string | undefined; secure: boolean; envelopeTo: string[] }[];
  close: () => Promise<void>;
}

/** An SMTP server on loopback: STARTTLS offered, AUTH PLAIN/LOGIN required with `user`/`password`. */
export async function startSmtpReceiver(dir: string, user: string, password: string): Promise<SmtpReceiver> {
  const { certFile: caFile, key, cert } = await makeSelfSignedCert(dir, 'smtp-');
  const messages: SmtpReceiver['messages'] = [];
  const server = new SMTPServer({
    key,
    cert,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      simpleParser(stream).then(
        (mail) => {
          messages.push({ mail, user: session.user as string | undefined, secure: session.secure, envelopeTo: session.envelope.rcptTo.map((r) => r.address) });
          cb();
        },
        (err: Error) => cb(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, caFile, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
