/**
 * A local S3-compatible server for tests: s3rver (npm) over HTTPS on loopback, with a
 * throw-away self-signed certificate (made with openssl).
 *
 * Why HTTPS: over plain HTTP restic's minio-go client signs uploads in "aws-chunked" streaming
 * mode, which s3rver 3.7.1 stores verbatim (chunk headers inside the object); over HTTPS it
 * sends plain bodies. Two gaps between s3rver and S3 are closed here, so the tests check our
 * client against S3's semantics rather than the fake's shortcuts:
 * - objects are written to a temporary file outside the bucket and renamed into place once the
 *   whole body (Content-Length) arrived — S3 never shows a partial object, s3rver wrote in place;
 * - `If-None-Match: *` on PUT (S3's and MinIO's conditional write) is honoured, one writer per
 *   key at a time;
 * - the body is checked against the SHA-256 in `x-amz-content-sha256`, as S3 does
 *   (XAmzContentSHA256Mismatch).
 * s3rver checks the access key ID but not the SigV4 signature, so "wrong credentials" tests use
 * an unknown key ID.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { makeSelfSignedCert } from '../../platform/testing/self-signed-cert.js';

const require = createRequire(import.meta.url);

export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';

export interface S3TestServer {
  /** `127.0.0.1:PORT` */
  endpoint: string;
  /** PEM of the self-signed certificate, to trust. */
  ca: Buffer;
  /** The same, as a file (for restic --cacert and LIFEBOAT_CACERT). */
  caFile: string;
  /** The server's private key (for a proxy that poses as the server). */
  key: Buffer;
  /** AWS_* variables that work with this server. */
  env: Record<string, string>;
  /** Where s3rver keeps buckets (`<directory>/<bucket>/…`). */
  directory: string;
  stop(): Promise<void>;
}

interface S3rverInstance {
  middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
  store: {
    getObjectPath?: unknown;
    existsObject(bucket: string, key: string): Promise<boolean>;
    putObject(object: S3Object): Promise<{ size: number; md5: string }>;
    getResourcePath(bucket: string, key: string, resource: string): string;
    putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  };
  run(): Promise<{ port: number }>;
}
interface KoaContext {
  req: NodeJS.ReadableStream;
  method: string;
  path: string;
  query: Record<string, unknown>;
  get(name: string): string;
}
interface S3Object {
  bucket: string;
  key: string;
  content: NodeJS.ReadableStream | Buffer;
  metadata: Record<string, string>;
  size?: number;
}

/**
 * Starts a server in `directory` with the given buckets made, in a child process: s3rver's
 * continuation tokens use DES, which Node 20's OpenSSL 3 only has in its legacy provider
 * (`--openssl-legacy-provider`), and its listing walks directories synchronously — better not
 * in the test's own event loop.
 */
export async function startS3Server(directory: string, buckets: string[] = []): Promise<S3TestServer> {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', fileURLToPath(new URL('./s3-server-process.js', import.meta.url)), directory, ...buckets], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^port (\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('error', reject);
    void exited.then(() => reject(new Error(`the S3 test server exited: ${out}`)));
  });
  const caFile = join(directory, '.tls', 'cert.pem');
  return {
    endpoint: `127.0.0.1:${port}`,
    ca: await readFile(caFile),
    caFile,
    key: await readFile(join(directory, '.tls', 'key.pem')),
    directory: join(directory, 'buckets'),
    env: { AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION: 'us-east-1' },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** The server itself (run by s3-server-process.ts); resolves to its port. */
export async function runS3rver(directory: string, buckets: string[]): Promise<number> {
  const certDir = join(directory, '.tls');
  await mkdir(certDir, { recursive: true });
  const { key, cert } = await makeSelfSignedCert(certDir);
  const data = join(directory, 'buckets');
  const uploads = join(directory, 'uploads');
  await mkdir(uploads, { recursive: true });
  const S3rver = require('s3rver') as new (options: object) => S3rverInstance;
  const S3Error = require('s3rver/lib/models/error.js') as new (code: string, message: string) => Error;
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: data,
    silent: true,
    key,
    cert,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  patchAtomicPut(server, uploads, S3Error);
  // conditional PUT (If-None-Match: *), serialised per key; inserted right after the logger
  const busy = new Map<string, Promise<void>>();
  server.middleware.splice(1, 0, async (ctx, next) => {
    // S3 checks the body against the SHA-256 SigV4 signed; s3rver does not: pass it to putObject
    const sha = ctx.get('x-amz-content-sha256');
    if (ctx.method === 'PUT' && /^[0-9a-f]{64}$/.test(sha)) (ctx.req as unknown as { expectedSha256?: string }).expectedSha256 = sha;
    const parts = ctx.path.split('/').filter(Boolean);
    if (ctx.method !== 'PUT' || ctx.get('if-none-match') !== '*' || parts.length < 2 || Object.keys(ctx.query).some((k) => k !== 'x-id')) return next();
    const bucket = decodeURIComponent(parts[0]!);
    const objectKey = parts.slice(1).map(decodeURIComponent).join('/');
    const id = `${bucket}/${objectKey}`;
    while (busy.has(id)) await busy.get(id);
    let done!: () => void;
    busy.set(id, new Promise<void>((r) => (done = r)));
    try {
      if (await server.store.existsObject(bucket, objectKey)) throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      await next();
    } finally {
      busy.delete(id);
      done();
    }
  });
  const { port } = await server.run();
  return port;
}

/** putObject: temporary file outside the bucket, complete body checked, then rename. */
function patchAtomicPut(server: S3rverInstance, uploads: string, S3Error: new (code: string, message: string) => Error): void {
  const store = server.store;
  store.putObject = async (object: S3Object) => {
    const target = store.getResourcePath(object.bucket, object.key, 'object');
    const tmp = join(uploads, randomBytes(8).toString('hex'));
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    const expectedSha256 = (object.content as { expectedSha256?: string }).expectedSha256;
    let size = 0;
    try {
      if (Buffer.isBuffer(object.content)) {
        md5.update(object.content);
        size = object.content.length;
        await pipeline([object.content], createWriteStream(tmp, { highWaterMark: 4 * 1024 * 1024 }));
      } else {
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            md5.update(chunk);
            if (expectedSha256) sha256.update(chunk);
            size += chunk.length;
            cb(null, chunk);
          },
        });
        await pipeline(object.content, counter, createWriteStream(tmp, { highWaterMark: 4 * 1024 * 1024 }));
      }
      const expected = Number(object.metadata['content-length'] ?? object.size ?? size);
      if (size !== expected) throw new Error(`incomplete upload: ${size} of ${expected} bytes`);
      if (expectedSha256 && sha256.digest('hex') !== expectedSha256) {
        throw Object.assign(new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."), { status: 400, expose: true });
      }
      const digest = md5.digest('hex');
      await mkdir(dirname(target), { recursive: true });
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      await rename(tmp, target);
      return { size, md5: digest };
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  };
}
