/**
 * Repository locations as restic writes them, parsed into one variant per backend kind:
 *
 *   /srv/repo, ./repo, local:/srv/repo           → { scheme: 'local', path }  (made absolute)
 *   rest:http://host:8000/, rest:https://u:p@h/r → { scheme: 'rest', url }    (ends with '/')
 *   s3:host/bucket/prefix, s3://host/bucket,
 *   s3:https://host:9000/bucket/prefix           → { scheme: 's3', endpoint, bucket, prefix, useHttp }
 *   rclone:remote:path                           → { scheme: 'rclone', remote }
 *   sftp:user@host:/srv/repo, sftp:host:repo,
 *   sftp://user@host:2222//srv/repo              → { scheme: 'sftp', user?, host, port?, path }
 *   b2:…, azure:…, gs:…, swift:…                 → { scheme, spec } (known to restic, not to us)
 *
 * Anything else (including `C:x` or `foo:bar`) is a local path, as in restic. Recognising the
 * remote schemes we lack keeps `b2:bucket` from silently becoming a local directory.
 */
import { resolve } from 'node:path';
import { LifeboatError } from '../../core/index.js';

export interface LocalLocation {
  scheme: 'local';
  /** Absolute path of the repository directory. */
  path: string;
}

export interface RestLocation {
  scheme: 'rest';
  /** http(s) URL ending with '/', possibly with user:password (see describeLocation). */
  url: string;
}

export interface S3Location {
  scheme: 's3';
  /** Host (and port) of the S3 endpoint, e.g. `s3.amazonaws.com` or `minio:9000`. */
  endpoint: string;
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing '/'; may be empty. */
  prefix: string;
  /** The location named an http:// endpoint. */
  useHttp: boolean;
}

export interface RcloneLocation {
  scheme: 'rclone';
  /** What `rclone serve restic` gets: `remote:path`. */
  remote: string;
}

export interface SftpLocation {
  scheme: 'sftp';
  user?: string;
  host: string;
  port?: number;
  /** Absolute (`/srv/repo`) or relative to the login directory (`repo`). */
  path: string;
}

/** Backends restic has that Lifeboat does not: recognised so they are refused, not taken for paths. */
export interface OtherLocation {
  scheme: 'b2' | 'azure' | 'gs' | 'swift';
  /** Everything after `scheme:`. */
  spec: string;
}

export type Location = LocalLocation | RestLocation | S3Location | RcloneLocation | SftpLocation | OtherLocation;
export type Scheme = Location['scheme'];
/** The location variant of one scheme. */
export type LocationOf<S extends Scheme> = Extract<Location, { scheme: S }>;

const OTHER = new Set(['b2', 'azure', 'gs', 'swift']);

function usage(text: string, problem: string, hint?: string): LifeboatError {
  return new LifeboatError('E_USAGE', `invalid repository location ${JSON.stringify(describeText(text))}: ${problem}`, hint ? { hint } : {});
}

/** Parses a location string (see the module comment); throws LifeboatError('E_USAGE') on malformed input. */
export function parseLocation(text: string): Location {
  if (text === '') throw new LifeboatError('E_USAGE', 'empty repository location', { hint: 'pass -r/--repo LOCATION' });
  const colon = text.indexOf(':');
  const prefix = colon > 0 ? text.slice(0, colon) : '';
  const rest = colon > 0 ? text.slice(colon + 1) : '';
  switch (prefix) {
    case 'local':
      if (rest === '') throw usage(text, 'no path after "local:"');
      return { scheme: 'local', path: resolve(rest) };
    case 'rest':
      return parseRest(text, rest);
    case 's3':
      return parseS3(text, rest);
    case 'rclone':
      if (rest === '') throw usage(text, 'no remote after "rclone:"', 'write rclone:REMOTE:PATH');
      return { scheme: 'rclone', remote: rest };
    case 'sftp':
      return parseSftp(text, rest);
    default:
      if (OTHER.has(prefix)) {
        if (rest === '') throw usage(text, `nothing after "${prefix}:"`);
        return { scheme: prefix as OtherLocation['scheme'], spec: rest };
      }
      return { scheme: 'local', path: resolve(text) };
  }
}

function parseRest(text: string, rest: string): RestLocation {
  let url: URL;
  try {
    url = new URL(rest);
  } catch {
    throw usage(text, 'not a URL after "rest:"', 'write rest:http://host:8000/ or rest:https://user:pass@host/path/');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage(text, 'the REST URL must be http or https');
  const s = url.toString();
  return { scheme: 'rest', url: s.endsWith('/') ? s : `${s}/` };
}

/** A %-escaped part of a URL location, decoded; a malformed escape ("%zz") is a usage error. */
function decodeUrlPart(text: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw usage(text, `a malformed %-escape in ${JSON.stringify(part)}`, 'write a literal "%" as %25');
  }
}

function parseS3(text: string, rest: string): S3Location {
  let endpoint: string;
  let path: string;
  let useHttp = false;
  if (rest.startsWith('http://') || rest.startsWith('https://')) {
    let url: URL;
    try {
      url = new URL(rest);
    } catch {
      throw usage(text, 'not a URL after "s3:"');
    }
    endpoint = url.host;
    path = decodeUrlPart(text, url.pathname);
    useHttp = url.protocol === 'http:';
  } else {
    const spec = rest.startsWith('//') ? rest.slice(2) : rest;
    const slash = spec.indexOf('/');
    endpoint = slash < 0 ? spec : spec.slice(0, slash);
    path = slash < 0 ? '' : spec.slice(slash);
  }
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  const bucket = parts.shift();
  if (!endpoint) throw usage(text, 'no S3 endpoint', 'write s3:s3.amazonaws.com/BUCKET/PREFIX');
  if (!bucket) throw usage(text, 'no bucket name', 'write s3:ENDPOINT/BUCKET/PREFIX');
  if (parts.includes('..')) throw usage(text, 'the prefix must not contain ".."');
  return { scheme: 's3', endpoint, bucket, prefix: parts.join('/'), useHttp };
}

function parseSftp(text: string, rest: string): SftpLocation {
  if (rest.startsWith('//')) {
    // sftp://[user@]host[:port]/path: one slash after the host starts the path, so //srv is /srv
    let url: URL;
    try {
      url = new URL(`sftp:${rest}`);
    } catch {
      throw usage(text, 'not a URL after "sftp:"');
    }
    if (!url.hostname) throw usage(text, 'no host');
    const path = decodeUrlPart(text, url.pathname).slice(1);
    if (path === '') throw usage(text, 'no path', 'write sftp://user@host//absolute/path');
    return {
      scheme: 'sftp',
      ...(url.username ? { user: decodeUrlPart(text, url.username) } : {}),
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      ...(url.port ? { port: Number(url.port) } : {}),
      path,
    };
  }
  // sftp:[user@]host:path (scp style); the host may be a bracketed IPv6 address
  const at = rest.lastIndexOf('@', rest.startsWith('[') ? -1 : rest.indexOf(':'));
  const user = at > 0 ? rest.slice(0, at) : undefined;
  const hostAndPath = at >= 0 ? rest.slice(at + 1) : rest;
  let host: string;
  let path: string;
  if (hostAndPath.startsWith('[')) {
    const close = hostAndPath.indexOf(']');
    if (close < 0 || hostAndPath[close + 1] !== ':') throw usage(text, 'expected [IPv6]:path');
    host = hostAndPath.slice(1, close);
    path = hostAndPath.slice(close + 2);
  } else {
    const c = hostAndPath.indexOf(':');
    if (c < 0) throw usage(text, 'no path after the host', 'write sftp:user@host:/path');
    host = hostAndPath.slice(0, c);
    path = hostAndPath.slice(c + 1);
  }
  if (host === '') throw usage(text, 'no host');
  if (path === '') throw usage(text, 'no path after the host', 'write sftp:user@host:/path');
  return { scheme: 'sftp', ...(user ? { user } : {}), host, path };
}

/** A location for messages: the original form, with any password in a URL replaced by `***`. */
export function describeLocation(loc: Location): string {
  switch (loc.scheme) {
    case 'local':
      return loc.path;
    case 'rest':
      return `rest:${redactUrl(loc.url)}`;
    case 's3':
      return `s3:${loc.useHttp ? 'http://' : ''}${loc.endpoint}/${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
    case 'rclone':
      return `rclone:${loc.remote}`;
    case 'sftp':
      return loc.port !== undefined
        ? `sftp://${loc.user ? `${loc.user}@` : ''}${loc.host.includes(':') ? `[${loc.host}]` : loc.host}:${loc.port}/${loc.path}`
        : `sftp:${loc.user ? `${loc.user}@` : ''}${loc.host.includes(':') ? `[${loc.host}]` : loc.host}:${loc.path}`;
    default:
      return `${loc.scheme}:${loc.spec}`;
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** For messages about unparsable input: strips what looks like a password in a URL. */
function describeText(text: string): string {
  return text.replace(/(\/\/[^/:@]*:)[^/@]*@/, '$1***@');
}
