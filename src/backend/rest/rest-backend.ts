/**
 * restic's REST protocol, version 2 (restic doc/100_references, "REST Backend"):
 *
 *   POST   /?create=true          create the repository
 *   HEAD   /config, /<type>/<id>  stat (Content-Length); 404 = missing
 *   GET    same, with Range       load; the server answers 206, or 200 with the whole file
 *   POST   same, body             save
 *   DELETE same                   remove
 *   GET    /<type>/               list; `Accept: application/vnd.x.restic.rest.v2` → [{name, size}]
 *
 * Data files are addressed `data/<id>` (the server fans them out into data/XX/). The servers
 * (rest-server, `rclone serve restic`) replace a file on POST, so saves go through
 * saveExclusive: stat first, and compare when the name exists.
 */
import { BackendError, LifeboatError, NotFoundError, isId } from '../../core/index.js';
import { type Backend, type BackendOptions, type FileInfo, type FileType, type Handle, describeHandle } from '../index.js';
import {
  type HttpClient,
  type HttpResponse,
  KeyedLock,
  bodyDetail,
  checkName,
  checkRange,
  classifyNetworkError,
  httpStatusError,
  exclusiveSaveOps,
  rangeHeader,
  saveExclusive,
  truncated,
} from '../http/index.js';

const V2 = 'application/vnd.x.restic.rest.v2';

export class RestBackend implements Backend {
  readonly strongListing = true;
  private readonly saving = new KeyedLock();

  /**
   * @param client requests relative to the repository's root
   * @param location for messages, without secrets
   */
  constructor(
    private readonly client: HttpClient,
    readonly location: string,
    readonly connections: number,
  ) {}

  private pathOf(h: Handle): string {
    if (h.type === 'config') return 'config';
    checkName(h);
    return `${h.type}/${h.name}`;
  }

  private what(h: Handle): string {
    return `${describeHandle(h)} in ${this.location}`;
  }

  private async call(op: string, what: string, req: Parameters<HttpClient['request']>[0]): Promise<HttpResponse> {
    try {
      return await this.client.request(req);
    } catch (err) {
      throw classifyNetworkError(err, op, what, req.signal);
    }
  }

  async create(options: BackendOptions = {}): Promise<void> {
    const signal = options.signal;
    const res = await this.call('create', this.location, { method: 'HEAD', path: 'config', signal });
    if (res.status === 200) {
      throw new LifeboatError('E_REPO_EXISTS', `a repository already exists at ${this.location}`, {
        hint: 'use it, or choose another location for a new one',
      });
    }
    if (res.status !== 404) throw httpStatusError(res.status, 'create', this.location);
    const made = await this.call('create', this.location, { method: 'POST', path: '?create=true', signal });
    if (made.status !== 200) throw httpStatusError(made.status, 'create', this.location, bodyDetail(made.body));
  }

  async save(h: Handle, data: Uint8Array, options: BackendOptions = {}): Promise<void> {
    const signal = options.signal;
    signal?.throwIfAborted();
    const path = this.pathOf(h);
    const what = this.what(h);
    const put = async (): Promise<boolean> => {
      signal?.throwIfAborted();
      const res = await this.call('save', what, {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/octet-stream' },
        body: data,
        signal,
      });
      if (res.status === 200) return true;
      // rest-server in append-only mode refuses an existing name with 403
      if (res.status === 403 && (await this.exists(h, options))) return false;
      if (res.status === 404) throw new NotFoundError(`cannot save ${describeHandle(h)}: no repository at ${this.location}`);
      throw httpStatusError(res.status, 'save', what, bodyDetail(res.body));
    };
    await saveExclusive(this.saving, path, data, what, exclusiveSaveOps(this, h, options, put));
  }

  private async exists(h: Handle, options: BackendOptions): Promise<boolean> {
    try {
      await this.stat(h, options);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async load(h: Handle, offset = 0, length = 0, options: BackendOptions = {}): Promise<Buffer> {
    checkRange(offset, length);
    const signal = options.signal;
    signal?.throwIfAborted();
    const what = this.what(h);
    const headers: Record<string, string> = {};
    const range = rangeHeader(offset, length);
    if (range) headers.range = range;
    const res = await this.call('load', what, { method: 'GET', path: this.pathOf(h), headers, signal });
    if (res.status === 404) throw new NotFoundError(`${what} does not exist`);
    if (res.status === 416) {
      // the range starts at or past the end; a read "to the end" from exactly the end is empty
      const size = (await this.stat(h, options)).size;
      if (length === 0 && offset === size) return Buffer.alloc(0);
      throw truncated(what, offset, length, size);
    }
    let body: Buffer;
    if (res.status === 206) body = res.body;
    else if (res.status === 200) {
      // a server that ignores Range sends the whole file
      if (offset > res.body.length) throw truncated(what, offset, length, res.body.length);
      body = res.body.subarray(offset, length > 0 ? offset + length : undefined);
    } else throw httpStatusError(res.status, 'load', what, bodyDetail(res.body));
    if (length > 0 && body.length !== length) {
      const size = res.status === 200 ? res.body.length : (totalFromContentRange(res.headers['content-range']) ?? offset + body.length);
      throw truncated(what, offset, length, size);
    }
    if (length === 0 && res.status === 206) {
      // "to the end": the answer must reach the end of the file (some servers answer a range
      // that starts past the end with an empty 206 instead of 416)
      let size = totalFromContentRange(res.headers['content-range']);
      if (size === undefined || body.length === 0) size = (await this.stat(h, options)).size;
      if (offset + body.length !== size) throw truncated(what, offset, length, size);
    }
    return body;
  }

  async stat(h: Handle, options: BackendOptions = {}): Promise<FileInfo> {
    options.signal?.throwIfAborted();
    const what = this.what(h);
    const res = await this.call('stat', what, { method: 'HEAD', path: this.pathOf(h), signal: options.signal });
    if (res.status === 404) throw new NotFoundError(`${what} does not exist`);
    if (res.status !== 200) throw httpStatusError(res.status, 'stat', what);
    const size = Number(res.headers['content-length']);
    if (!Number.isSafeInteger(size) || size < 0) throw new BackendError(`stat ${what}: the server sent no valid Content-Length`);
    return { name: h.name, size };
  }

  async *list(type: FileType, options: BackendOptions = {}): AsyncIterable<FileInfo> {
    if (type === 'config') throw new TypeError('list: config is a single file, not a type to list');
    const signal = options.signal;
    signal?.throwIfAborted();
    const what = `${type}/ in ${this.location}`;
    const res = await this.call('list', what, { method: 'GET', path: `${type}/`, headers: { accept: V2 }, signal });
    if (res.status === 404) return;
    if (res.status !== 200) throw httpStatusError(res.status, 'list', what, bodyDetail(res.body));
    let entries: unknown;
    try {
      entries = JSON.parse(res.body.toString('utf8'));
    } catch (err) {
      throw new BackendError(`list ${what}: the server's answer is not JSON`, { cause: err, transient: true });
    }
    if (!Array.isArray(entries)) throw new BackendError(`list ${what}: expected a JSON array (REST protocol v2)`);
    for (const e of entries as { name?: unknown; size?: unknown }[]) {
      signal?.throwIfAborted();
      if (typeof e?.name === 'string' && typeof e.size === 'number' && isId(e.name)) yield { name: e.name, size: e.size };
    }
  }

  async remove(h: Handle, options: BackendOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const what = this.what(h);
    const res = await this.call('remove', what, { method: 'DELETE', path: this.pathOf(h), signal: options.signal });
    if (res.status === 404) throw new NotFoundError(`${what} does not exist`);
    if (res.status !== 200 && res.status !== 204) throw httpStatusError(res.status, 'remove', what, bodyDetail(res.body));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function totalFromContentRange(value: string | string[] | undefined): number | undefined {
  const m = typeof value === 'string' ? /\/(\d+)$/.exec(value) : null;
  return m ? Number(m[1]) : undefined;
}
