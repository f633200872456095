/**
 * The scheme registry: one factory per location kind, so the composition root opens any
 * location with `openBackend(text)` and new backends plug in with `registerScheme` instead of a
 * switch. local, rest, s3, rclone and sftp are built in (the remote ones import their code on
 * first use); schemes without a factory (b2, azure, gs, swift) fail with E_UNSUPPORTED.
 */
import { LifeboatError } from '../../core/index.js';
import type { Backend, BackendOptions } from '../index.js';
import { LocalBackend } from '../local/index.js';
import { type Location, type LocationOf, type Scheme, describeLocation, parseLocation } from './location.js';

/** What the composition root hands a factory besides the location (from `-o` and the environment). */
export interface OpenOptions extends BackendOptions {
  /** Environment for credentials (AWS_*, RCLONE_*); process.env when absent. */
  env?: Readonly<Record<string, string | undefined>>;
  /** `-o connections=N` / `-o <scheme>.connections=N`; each backend's default when absent. */
  connections?: number;
  /** Cut a connection that is silent this long (remote backends). */
  idleTimeoutMs?: number;
  /** Extra CA certificates (PEM) to trust for https. */
  ca?: Buffer;
  /** `-o <scheme>.<key>=value` settings of this scheme, prefix stripped (e.g. `region`). */
  settings?: ReadonlyMap<string, string>;
}

/** Builds a backend for a parsed location; must not touch the repository beyond connecting. */
export type BackendFactory<S extends Scheme = Scheme> = (location: LocationOf<S>, options: OpenOptions) => Backend | Promise<Backend>;

/** Stored untyped: the map's key guarantees a factory only ever sees its own scheme's variant. */
type AnyFactory = (location: Location, options: OpenOptions) => Backend | Promise<Backend>;

/** restic's defaults: 5 connections for remote backends. */
export const REMOTE_CONNECTIONS = 5;
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60 * 1000;

/** The `-o <scheme>.<key>` settings each scheme understands (besides `connections`). */
export const SCHEME_SETTINGS: Readonly<Partial<Record<Scheme, readonly string[]>>> = {
  local: [],
  rest: [],
  s3: ['region', 'bucket-lookup'],
  rclone: ['program', 'args'],
  sftp: ['command', 'args'],
};
const factories = new Map<Scheme, AnyFactory>();

/**
 * Makes `openBackend` use `factory` for `scheme`, replacing any earlier one. Returns a function
 * that puts the previous factory (or none) back, for tests.
 */
export function registerScheme<S extends Scheme>(scheme: S, factory: BackendFactory<S>): () => void {
  const previous = factories.get(scheme);
  factories.set(scheme, factory as unknown as AnyFactory);
  return () => {
    if (previous) factories.set(scheme, previous);
    else factories.delete(scheme);
  };
}

/** Schemes that have a factory now. */
export function registeredSchemes(): Scheme[] {
  return [...factories.keys()].sort();
}

/** Opens the backend for a location string (or an already parsed location). */
export async function openBackend(location: string | Location, options: OpenOptions = {}): Promise<Backend> {
  options.signal?.throwIfAborted();
  const loc = typeof location === 'string' ? parseLocation(location) : location;
  const factory = factories.get(loc.scheme);
  if (!factory) {
    throw new LifeboatError('E_UNSUPPORTED', `${describeLocation(loc)}: ${loc.scheme} repositories are not supported yet`, {
      hint: 'use a local directory (a path or local:/path); `restic copy` can move snapshots between repositories',
    });
  }
  return factory(loc, options);
}

registerScheme('local', (loc) => new LocalBackend(loc.path));

// remote backends load their code (the AWS SDK, HTTP/2) only when a location needs them
registerScheme('rest', async (loc, o) => {
  const { openRestBackend } = await import('../rest/index.js');
  return openRestBackend(loc.url, describeLocation(loc), {
    connections: o.connections ?? REMOTE_CONNECTIONS,
    idleTimeoutMs: o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    ca: o.ca,
  });
});

registerScheme('s3', async (loc, o) => {
  const { openS3Backend } = await import('../s3/index.js');
  const lookup = o.settings?.get('bucket-lookup');
  if (lookup !== undefined && lookup !== 'auto' && lookup !== 'path' && lookup !== 'dns') {
    throw new LifeboatError('E_USAGE', `invalid -o s3.bucket-lookup=${lookup}`, { hint: 'use auto, path or dns' });
  }
  return openS3Backend({
    endpoint: loc.endpoint,
    useHttp: loc.useHttp,
    bucket: loc.bucket,
    prefix: loc.prefix,
    location: describeLocation(loc),
    connections: o.connections ?? REMOTE_CONNECTIONS,
    idleTimeoutMs: o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    region: o.settings?.get('region'),
    bucketLookup: lookup,
    ca: o.ca,
    env: o.env ?? process.env,
  });
});

registerScheme('rclone', async (loc, o) => {
  const { RcloneBackend } = await import('../rclone/index.js');
  const args = o.settings?.get('args');
  return new RcloneBackend({
    remote: loc.remote,
    location: describeLocation(loc),
    connections: o.connections ?? REMOTE_CONNECTIONS,
    idleTimeoutMs: o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    program: o.settings?.get('program'),
    args: args === undefined ? undefined : args.split(/\s+/).filter(Boolean),
    env: o.env,
  });
});

registerScheme('sftp', async (loc, o) => {
  const { SftpBackend } = await import('../sftp/index.js');
  const words = (key: string): string[] | undefined => o.settings?.get(key)?.split(/\s+/).filter(Boolean);
  return new SftpBackend({
    host: loc.host,
    user: loc.user,
    port: loc.port,
    path: loc.path,
    location: describeLocation(loc),
    connections: o.connections ?? REMOTE_CONNECTIONS,
    command: words('command'),
    args: words('args'),
    env: o.env,
  });
});
