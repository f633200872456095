/**
 * @module platform/testing
 * A throw-away self-signed certificate for test servers on loopback (SMTP, S3): made with
 * openssl, EC P-256, valid two days, for 127.0.0.1 and localhost. Tests trust `certFile`.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface SelfSignedCert {
  /** PEM file of the certificate, to trust. */
  certFile: string;
  key: Buffer;
  cert: Buffer;
}

/** Makes `<prefix>key.pem` and `<prefix>cert.pem` in `dir` and returns both. */
export async function makeSelfSignedCert(dir: string, prefix = ''): Promise<SelfSignedCert> {
  const keyFile = join(dir, `${prefix}key.pem`);
  const certFile = join(dir, `${prefix}cert.pem`);
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  const [key, cert] = await Promise.all([readFile(keyFile), readFile(certFile)]);
  return { certFile, key, cert };
}
