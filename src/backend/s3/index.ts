/**
 * @module backend/s3
 * S3-compatible object storage through the AWS SDK, in restic's key layout.
 * May import: backend (its index.ts), backend/http, core.
 */
import http from 'node:http';
import https from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { type Env, s3Credentials } from './credentials.js';
import { S3Backend } from './s3-backend.js';

export { S3Backend } from './s3-backend.js';
export { s3Credentials } from './credentials.js';

export interface S3Options {
  /** host[:port] */
  endpoint: string;
  useHttp: boolean;
  bucket: string;
  prefix: string;
  /** For messages: the location without secrets. */
  location: string;
  connections: number;
  /** A socket without traffic for this long is cut and the call fails (transiently). */
  idleTimeoutMs: number;
  /** `-o s3.region`, else AWS_DEFAULT_REGION / AWS_REGION, else us-east-1. */
  region?: string;
  /** `path` (default for non-AWS endpoints), `dns` (virtual hosts), `auto` (dns for amazonaws.com). */
  bucketLookup?: 'auto' | 'path' | 'dns';
  /** Extra CA certificates (PEM) for https. */
  ca?: string | Buffer;
  env: Env;
}

export function openS3Backend(o: S3Options): S3Backend {
  // the SDK warns on stderr that its 2027 releases will need Node 22; Lifeboat pins a release
  // that supports Node 20 (package.json), so the warning would only confuse users
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const region = o.region ?? o.env.AWS_DEFAULT_REGION ?? o.env.AWS_REGION ?? 'us-east-1';
  const lookup = o.bucketLookup ?? 'auto';
  const pathStyle = lookup === 'path' || (lookup === 'auto' && !/(^|\.)amazonaws\.com(\.cn)?(:\d+)?$/.test(o.endpoint));
  const agent = { keepAlive: true, maxSockets: o.connections + 2 };
  const client = new S3Client({
    endpoint: `${o.useHttp ? 'http' : 'https'}://${o.endpoint}`,
    region,
    forcePathStyle: pathStyle,
    credentials: s3Credentials(o.env, o.location),
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      httpAgent: new http.Agent(agent),
      httpsAgent: new https.Agent({ ...agent, ...(o.ca ? { ca: o.ca } : {}) }),
      connectionTimeout: Math.min(o.idleTimeoutMs, 30_000),
      requestTimeout: o.idleTimeoutMs,
    },
  });
  return new S3Backend(client, { bucket: o.bucket, prefix: o.prefix, location: o.location, connections: o.connections, region });
}
