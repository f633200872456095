/**
 * A repository in an S3 bucket (AWS S3, MinIO, Ceph RGW, …) in restic's key layout under a
 * prefix (spec 2.1): `<prefix>/config`, `<prefix>/keys/<id>`, `<prefix>/data/<xx>/<id>`, …
 *
 * save(h, data):   single PUT (atomic on S3: an object is visible whole or not at all), verified
 *                  by the store against the SHA-256 SigV4 signs (for packs: their name), with
 *                  `If-None-Match: *`, so the store itself refuses to replace an object where it
 *                  supports conditional writes; before it a HEAD, and on a conflict a byte
 *                  comparison (http/exclusive-save).
 * load(h, o, l):   GET with Range; the length of the answer is checked.
 * list(type):      ListObjectsV2, 1000 keys a page; data/ is listed through its xx/ level.
 * remove(h):       HEAD (S3 deletes missing keys silently; the contract wants NotFoundError), DELETE.
 *
 * The SDK's own retries are off: the retry decorator decides, from the classification below.
 */
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { BackendError, LifeboatError, NotFoundError, isId } from '../../core/index.js';
import { type Backend, type BackendOptions, type FileInfo, type FileType, type Handle, describeHandle } from '../index.js';
import { ConnectionError, KeyedLock, checkName, checkRange, classifyNetworkError, exclusiveSaveOps, rangeHeader, saveExclusive, truncated } from '../http/index.js';

const CREDENTIALS_HINT = 'check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for this endpoint';

/** S3 error codes a retry can get past. */
const TRANSIENT_CODES = new Set(['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'BadDigest', 'XAmzContentSHA256Mismatch', 'RequestTimeTooSkewed']);
const CREDENTIAL_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired']);

export interface S3BackendOptions {
  bucket: string;
  /** Key prefix without leading or trailing '/'; may be empty. */
  prefix: string;
  /** For messages, without secrets: `s3:host/bucket/prefix`. */
  location: string;
  connections: number;
  /** Region for CreateBucket's location constraint. */
  region: string;
}

export class S3Backend implements Backend {
  readonly location: string;
  readonly connections: number;
  /** S3 has strong read-after-write and list-after-write consistency since 2020. */
  readonly strongListing = true;
  private readonly bucket: string;
  private readonly base: string;
  private readonly saving = new KeyedLock();
  /** Cleared when the store rejects `If-None-Match` on PUT (501): then only HEAD guards. */
  private conditionalWrites = true;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3BackendOptions,
  ) {
    this.location = options.location;
    this.connections = options.connections;
    this.bucket = options.bucket;
    this.base = options.prefix ? `${options.prefix}/` : '';
  }

  /** The object key of a handle. */
  key(h: Handle): string {
    if (h.type === 'config') return `${this.base}config`;
    checkName(h);
    if (h.type === 'data') return `${this.base}data/${h.name.slice(0, 2)}/${h.name}`;
    return `${this.base}${h.type}/${h.name}`;
  }

  private what(h: Handle): string {
    return `${describeHandle(h)} in ${this.location}`;
  }

  /** Maps SDK and network failures onto NotFoundError / BackendError (see the module comment). */
  private classify(err: unknown, op: string, what: string, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason;
    if (err instanceof LifeboatError) return err;
    if (err instanceof S3ServiceException || hasStatus(err)) {
      const e = err as S3ServiceException;
      const status = e.$metadata?.httpStatusCode ?? 0;
      // HEAD answers have no body: some stores put the code in a header instead
      const headerCode = (e as { $response?: { headers?: Record<string, string> } }).$response?.headers?.['x-amz-error-code'];
      const code = e.name === 'NotFound' || e.name === 'Unknown' || e.name === 'UnknownError' || e.name === 'Forbidden' ? (headerCode ?? e.name) : e.name;
      if (code === 'NoSuchBucket') {
        return new NotFoundError(`${what}: the bucket "${this.bucket}" does not exist`, { cause: err, hint: '`lifeboat init` creates it' });
      }
      if (code === 'NoSuchKey' || (status === 404 && (code === 'NotFound' || code === 'UnknownError' || code === 'Unknown'))) {
        return new NotFoundError(`${what} does not exist`, { cause: err });
      }
      const detail = `HTTP ${status}${code && code !== 'Unknown' && code !== 'UnknownError' ? ` ${code}` : ''}`;
      if (CREDENTIAL_CODES.has(code) || status === 401 || status === 403) {
        return new BackendError(`${op} ${what} failed: the S3 server refused the credentials (${detail})`, { cause: err, hint: CREDENTIALS_HINT });
      }
      const transient = TRANSIENT_CODES.has(code) || status >= 500 || status === 429 || status === 408;
      return new BackendError(`${op} ${what} failed: ${detail}`, { cause: err, transient });
    }
    return classifyNetworkError(err, op, what, signal);
  }

  private async send<T>(op: string, what: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    signal?.throwIfAborted();
    try {
      return await fn();
    } catch (err) {
      throw this.classify(err, op, what, signal);
    }
  }

  async create(options: BackendOptions = {}): Promise<void> {
    const signal = options.signal;
    const what = this.location;
    let bucketExists = true;
    try {
      await this.send('create', what, signal, () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal }));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      bucketExists = false;
    }
    if (!bucketExists) {
      const region = this.options.region;
      try {
        await this.send('create bucket', what, signal, () =>
          this.client.send(
            new CreateBucketCommand({
              Bucket: this.bucket,
              ...(region && region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region as never } } : {}),
            }),
            { abortSignal: signal },
          ),
        );
      } catch (err) {
        // made meanwhile by another process
        if (!(err instanceof BackendError && /BucketAlready(Exists|OwnedByYou)/.test(String((err.cause as Error | undefined)?.name)))) throw err;
      }
    }
    try {
      await this.stat({ type: 'config', name: '' }, options);
    } catch (err) {
      if (err instanceof NotFoundError) return;
      throw err;
    }
    throw new LifeboatError('E_REPO_EXISTS', `a repository already exists at ${this.location}`, {
      hint: 'use it, or choose another location for a new one',
    });
  }

  async save(h: Handle, data: Uint8Array, options: BackendOptions = {}): Promise<void> {
    const signal = options.signal;
    signal?.throwIfAborted();
    const key = this.key(h);
    const what = this.what(h);
    await saveExclusive(
      this.saving,
      key,
      data,
      what,
      exclusiveSaveOps(this, h, options, () => this.put(h, key, data, what, signal)),
    );
  }

  /**
   * One PUT; false when the store refused because the key exists (412).
   *
   * Verification: SigV4 signs the SHA-256 of the body (`x-amz-content-sha256`) and the store
   * checks the bytes against it. A pack is named by the SHA-256 of its bytes (spec 6.1), so for
   * data files the name itself is sent as that hash: the store then refuses a pack whose bytes do
   * not match its name, and the client hashes nothing (packs are most of the bytes).
   */
  private async put(h: Handle, key: string, data: Uint8Array, what: string, signal: AbortSignal | undefined): Promise<boolean> {
    const attempt = (conditional: boolean): Promise<unknown> => {
      const command = new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: data,
        ContentLength: data.length,
        ContentType: 'application/octet-stream',
        ...(conditional ? { IfNoneMatch: '*' } : {}),
      });
      if (h.type === 'data' && isId(h.name)) {
        command.middlewareStack.add(
          (next) => async (args) => {
            const request = args.request as { headers?: Record<string, string> };
            if (request.headers) request.headers['x-amz-content-sha256'] = h.name;
            return next(args);
          },
          { step: 'build', name: 'lifeboatPackHash' },
        );
      }
      return this.client.send(command, { abortSignal: signal });
    };
    try {
      await this.send('save', what, signal, () => attempt(this.conditionalWrites));
      return true;
    } catch (err) {
      const cause = err instanceof BackendError ? (err.cause as S3ServiceException | undefined) : undefined;
      const status = cause?.$metadata?.httpStatusCode;
      if (status === 412 || cause?.name === 'PreconditionFailed' || cause?.name === 'ConditionalRequestConflict') return false;
      if (this.conditionalWrites && (status === 501 || cause?.name === 'NotImplemented')) {
        this.conditionalWrites = false;
        await this.send('save', what, signal, () => attempt(false));
        return true;
      }
      if (err instanceof NotFoundError) throw new NotFoundError(`cannot save ${what.replace(/ in .*$/, '')}: ${err.message}`, { cause: err, hint: err.hint });
      throw err;
    }
  }

  async load(h: Handle, offset = 0, length = 0, options: BackendOptions = {}): Promise<Buffer> {
    checkRange(offset, length);
    const signal = options.signal;
    signal?.throwIfAborted();
    const what = this.what(h);
    const range = rangeHeader(offset, length);
    let res;
    try {
      res = await this.send('load', what, signal, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(h), ...(range ? { Range: range } : {}) }), { abortSignal: signal }));
    } catch (err) {
      const cause = err instanceof BackendError ? (err.cause as S3ServiceException | undefined) : undefined;
      if (cause?.$metadata?.httpStatusCode === 416 || cause?.name === 'InvalidRange') {
        const size = (await this.stat(h, options)).size;
        if (length === 0 && offset === size) return Buffer.alloc(0);
        throw truncated(what, offset, length, size);
      }
      throw err;
    }
    const expected = res.ContentLength ?? 0;
    let body = await this.send('load', what, signal, () => readAll(res.Body as Readable | undefined, expected));
    const total = totalFromContentRange(res.ContentRange);
    if (range === undefined || res.ContentRange === undefined) {
      // no range asked, or the store ignored it and sent the whole object
      if (range !== undefined) {
        if (offset > body.length || (length > 0 && offset + length > body.length)) throw truncated(what, offset, length, body.length);
        return body.subarray(offset, length > 0 ? offset + length : undefined);
      }
      return body;
    }
    const start = startFromContentRange(res.ContentRange);
    if (start !== offset) throw new BackendError(`load ${what}: asked for bytes from ${offset}, the server sent ${res.ContentRange}`, { transient: true });
    // a sloppy server may send more than the range asked for (s3rver does for bytes=0-0)
    if (length > 0 && body.length > length) body = body.subarray(0, length);
    if (length > 0 && body.length !== length) throw truncated(what, offset, length, total ?? offset + body.length);
    if (length === 0 && total !== undefined && offset + body.length !== total) throw truncated(what, offset, length, total);
    return body;
  }

  async stat(h: Handle, options: BackendOptions = {}): Promise<FileInfo> {
    const signal = options.signal;
    const what = this.what(h);
    const res = await this.send('stat', what, signal, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(h) }), { abortSignal: signal }));
    const size = res.ContentLength;
    if (size === undefined || !Number.isSafeInteger(size) || size < 0) throw new BackendError(`stat ${what}: the server sent no valid size`);
    return { name: h.name, size };
  }

  async *list(type: FileType, options: BackendOptions = {}): AsyncIterable<FileInfo> {
    if (type === 'config') throw new TypeError('list: config is a single file, not a type to list');
    const signal = options.signal;
    signal?.throwIfAborted();
    const prefix = `${this.base}${type}/`;
    const what = `${type}/ in ${this.location}`;
    let token: string | undefined;
    do {
      const page = await this.send('list', what, signal, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(type === 'data' ? {} : { Delimiter: '/' }),
            ...(token ? { ContinuationToken: token } : {}),
          }),
          { abortSignal: signal },
        ),
      );
      for (const o of page.Contents ?? []) {
        const rest = (o.Key ?? '').slice(prefix.length);
        const name = type === 'data' ? dataName(rest) : rest;
        if (name !== undefined && isId(name) && typeof o.Size === 'number') yield { name, size: o.Size };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      signal?.throwIfAborted();
    } while (token);
  }

  async remove(h: Handle, options: BackendOptions = {}): Promise<void> {
    const signal = options.signal;
    await this.stat(h, options);
    await this.send('remove', this.what(h), signal, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(h) }), { abortSignal: signal }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** `xx/<id>` below data/ (restic's layout) → the id; anything else is not a pack. */
function dataName(rest: string): string | undefined {
  const m = /^([0-9a-f]{2})\/([^/]+)$/.exec(rest);
  return m ? m[2] : undefined;
}

function totalFromContentRange(value: string | undefined): number | undefined {
  const m = value ? /\/(\d+)$/.exec(value) : null;
  return m ? Number(m[1]) : undefined;
}

function startFromContentRange(value: string | undefined): number | undefined {
  const m = value ? /^bytes (\d+)-/.exec(value) : null;
  return m ? Number(m[1]) : undefined;
}

function hasStatus(err: unknown): boolean {
  return typeof err === 'object' && err !== null && typeof (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode === 'number';
}

/** Reads a response body of a known length into one buffer; a short body is a cut connection. */
async function readAll(body: Readable | undefined, expected: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const buf = Buffer.allocUnsafe(expected);
  let got = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (got + chunk.length > expected) throw new ConnectionError(`the response is longer than its ${expected} bytes`, 'ECONNRESET');
    chunk.copy(buf, got);
    got += chunk.length;
  }
  if (got !== expected) throw new ConnectionError(`the response ended after ${got} of ${expected} bytes`, 'ECONNRESET');
  return buf;
}
