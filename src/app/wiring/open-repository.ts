/**
 * The composition root for repository access: location → backend → decorators → Repository.
 * Backend options (`-o key=value`, restic's names) are parsed here, and this is the one place
 * the decorators are stacked (backend/decorators: retry(limit(timeout(backend)))).
 */
import { readFile } from 'node:fs/promises';
import type { Backend } from '../../backend/index.js';
import { FAULT_OPTION_NAMES, areFaultOptionsAllowed, faultPlanFromOptions, stackDecorators } from '../../backend/decorators/index.js';
import { type Scheme, SCHEME_SETTINGS, openBackend, parseLocation } from '../../backend/location/index.js';
import { LifeboatError } from '../../core/index.js';
import { Repository, type RepositoryWarning } from '../../repository/index.js';
import { type Env, type RepositoryFlags, resolvePassword, resolveRepositoryLocation } from './credentials.js';

export interface RepositoryContext {
  flags: RepositoryFlags;
  env: Env;
  /** Asks for a password interactively (a TTY); absent when there is no terminal. */
  prompt?: (question: string) => Promise<string>;
  signal?: AbortSignal;
  /** `key=value` backend options; when absent, LIFEBOAT_BACKEND_OPTIONS in `env` (what `-o` sets). */
  backendOptions?: readonly string[];
  /** Told about problems that do not stop opening or the command (an unusable key file, an unreadable snapshot file). */
  onWarning?: RepositoryWarning;
}

/** The variable `-o` is carried in from the CLI: a JSON array of `key=value`, or them separated by white space. */
export const BACKEND_OPTIONS_VAR = 'LIFEBOAT_BACKEND_OPTIONS';

/** Parsed `-o` options, for every layer of the stack. */
export interface BackendSettings {
  connections?: number;
  /** Per backend call (`timeout`). */
  timeoutMs?: number;
  /** A connection silent this long is cut (`idle-timeout`). */
  idleTimeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
  /** PEM file of extra CA certificates (`cacert`, LIFEBOAT_CACERT, RESTIC_CACERT). */
  cacert?: string;
  /** `<scheme>.<key>` settings of the location's scheme, prefix stripped. */
  scheme: Map<string, string>;
  /** `fault.<name>=N` (fault-injection tests only; refused unless a preloaded module allowed them). */
  faults: Map<string, number>;
}

const GENERIC_KEYS = ['connections', 'timeout', 'idle-timeout', 'retries', 'retry-delay', 'cacert'];

/** Every option key that is accepted, for the error message. */
function knownKeys(): string[] {
  const scoped = Object.entries(SCHEME_SETTINGS).flatMap(([scheme, keys]) => [`${scheme}.connections`, ...(keys ?? []).map((k) => `${scheme}.${k}`)]);
  return [...GENERIC_KEYS, ...scoped];
}

/** Parses `key=value` options for a location of `scheme` (restic's `-o`); unknown keys are usage errors. */
export function parseBackendOptions(options: readonly string[], scheme: Scheme, env: Env = {}): BackendSettings {
  const out: BackendSettings = { scheme: new Map(), faults: new Map() };
  const cacert = env.LIFEBOAT_CACERT || env.RESTIC_CACERT;
  if (cacert) out.cacert = cacert;
  for (const option of options) {
    const eq = option.indexOf('=');
    if (eq <= 0) throw new LifeboatError('E_USAGE', `invalid option ${JSON.stringify(option)}: want key=value`, { hint: 'e.g. -o connections=8' });
    const key = option.slice(0, eq).trim();
    const value = option.slice(eq + 1).trim();
    if (key.startsWith('fault.') && areFaultOptionsAllowed() && (FAULT_OPTION_NAMES as readonly string[]).includes(key.slice(6))) {
      out.faults.set(key.slice(6), positiveInt(key, value));
      continue;
    }
    const dot = key.indexOf('.');
    const prefix = dot > 0 ? key.slice(0, dot) : '';
    const name = dot > 0 ? key.slice(dot + 1) : key;
    if ((prefix && !(prefix in SCHEME_SETTINGS)) || (prefix && name !== 'connections' && !SCHEME_SETTINGS[prefix as Scheme]!.includes(name)) || (!prefix && !GENERIC_KEYS.includes(name))) {
      throw new LifeboatError('E_USAGE', `unknown option ${JSON.stringify(key)}`, { hint: `known options: ${knownKeys().join(', ')}` });
    }
    if (prefix && prefix !== scheme) continue; // another backend's option: ignored, as restic does
    switch (name) {
      case 'connections':
        out.connections = positiveInt(key, value);
        break;
      case 'timeout':
        out.timeoutMs = durationMs(key, value);
        break;
      case 'idle-timeout':
        out.idleTimeoutMs = durationMs(key, value);
        break;
      case 'retries':
        out.retries = nonNegativeInt(key, value);
        break;
      case 'retry-delay':
        out.retryDelayMs = durationMs(key, value);
        break;
      case 'cacert':
        out.cacert = value;
        break;
      default:
        out.scheme.set(name, value);
    }
  }
  return out;
}

function positiveInt(key: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new LifeboatError('E_USAGE', `-o ${key}=${value}: want a positive integer`);
  return n;
}

function nonNegativeInt(key: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new LifeboatError('E_USAGE', `-o ${key}=${value}: want a whole number`);
  return n;
}

/** `500ms`, `30s`, `5m`, `1h`, or a number of seconds. */
export function durationMs(key: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value);
  if (!m) throw new LifeboatError('E_USAGE', `-o ${key}=${value}: want a duration like 500ms, 30s, 5m or 1h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

/** The options of a context: given ones, else the variable the CLI sets from `-o`. */
function optionsOf(ctx: RepositoryContext): readonly string[] {
  if (ctx.backendOptions) return ctx.backendOptions;
  const text = ctx.env[BACKEND_OPTIONS_VAR]?.trim();
  if (!text) return [];
  if (text.startsWith('[')) {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) {
      throw new LifeboatError('E_USAGE', `${BACKEND_OPTIONS_VAR} must be a JSON array of "key=value" strings`);
    }
    return parsed;
  }
  return text.split(/\s+/);
}

export async function getPassword(ctx: RepositoryContext, question = 'enter password for repository: '): Promise<string> {
  const password = await resolvePassword(ctx.flags, ctx.env);
  if (password !== undefined) return password;
  if (ctx.prompt) return ctx.prompt(question);
  throw new LifeboatError('E_NO_PASSWORD', 'no password given and no terminal to ask on', {
    hint: 'use --password-file, --password-command or LIFEBOAT_PASSWORD',
  });
}

/**
 * Opens the location of the context with its options, wrapped in the decorators. The local
 * backend only gets retries (and a connection cap or timeout when asked for): a disk needs no
 * deadline, and its parallelism is the archiver's.
 */
export async function openLocation(ctx: RepositoryContext): Promise<Backend> {
  const location = parseLocation(resolveRepositoryLocation(ctx.flags, ctx.env));
  const o = parseBackendOptions(optionsOf(ctx), location.scheme, ctx.env);
  let ca: Buffer | undefined;
  if (o.cacert) {
    try {
      ca = await readFile(o.cacert);
    } catch (err) {
      throw new LifeboatError('E_USAGE', `cannot read the CA certificate file ${o.cacert}`, { cause: err, hint: 'check -o cacert / LIFEBOAT_CACERT' });
    }
  }
  const backend = await openBackend(location, {
    signal: ctx.signal,
    env: ctx.env,
    connections: o.connections,
    idleTimeoutMs: o.idleTimeoutMs,
    ca,
    settings: o.scheme,
  });
  const remote = location.scheme !== 'local';
  return stackDecorators(backend, {
    connections: remote || o.connections ? (o.connections ?? backend.connections) : undefined,
    timeoutMs: o.timeoutMs ?? (remote ? DEFAULT_CALL_TIMEOUT_MS : undefined),
    faults: faultPlanFromOptions(o.faults),
    retry: { ...(o.retries !== undefined ? { retries: o.retries } : {}), ...(o.retryDelayMs !== undefined ? { baseDelayMs: o.retryDelayMs } : {}) },
  });
}

/** A single backend call on a remote store (a pack upload included) gets this long by default. */
export const DEFAULT_CALL_TIMEOUT_MS = 10 * 60 * 1000;

/** Opens the repository named by the context, asking for the password if needed. */
export async function openRepository(ctx: RepositoryContext): Promise<Repository> {
  const backend = await openLocation(ctx);
  try {
    const password = await getPassword(ctx);
    return await Repository.open(backend, { password, signal: ctx.signal, onWarning: ctx.onWarning });
  } catch (err) {
    await backend.close();
    throw err;
  }
}

/** The context of a second repository (copy's source): --from-* flags, then *_FROM_* variables. */
export function sourceRepositoryContext(flags: { fromRepo?: string; fromPasswordFile?: string; fromPasswordCommand?: string }, ctx: RepositoryContext): RepositoryContext {
  const env = ctx.env;
  const pick = (name: string): string | undefined => env[`LIFEBOAT_FROM_${name}`] || env[`RESTIC_FROM_${name}`] || undefined;
  return {
    flags: { repo: flags.fromRepo, passwordFile: flags.fromPasswordFile, passwordCommand: flags.fromPasswordCommand },
    // credentials of the stores (AWS_*, RCLONE_*) and the options carry over; the repository
    // and password variables are the *_FROM_* ones only
    env: {
      ...env,
      RESTIC_REPOSITORY: undefined,
      RESTIC_PASSWORD: undefined,
      RESTIC_PASSWORD_FILE: undefined,
      RESTIC_PASSWORD_COMMAND: undefined,
      LIFEBOAT_REPOSITORY: pick('REPOSITORY'),
      LIFEBOAT_PASSWORD: pick('PASSWORD'),
      LIFEBOAT_PASSWORD_FILE: pick('PASSWORD_FILE'),
      LIFEBOAT_PASSWORD_COMMAND: pick('PASSWORD_COMMAND'),
    },
    prompt: ctx.prompt,
    signal: ctx.signal,
    backendOptions: ctx.backendOptions,
  };
}

/** A context whose repository and password file default to the plan file's (flags still win). */
export function planRepositoryContext(ctx: RepositoryContext, plan: { repository?: string; passwordFile?: string }): RepositoryContext {
  const f = ctx.flags;
  const usePlanPassword = !f.passwordFile && !f.passwordCommand && plan.passwordFile;
  return {
    ...ctx,
    flags: { ...f, repo: f.repo ?? plan.repository, ...(usePlanPassword ? { passwordFile: plan.passwordFile } : {}) },
  };
}

/** Opens the repository of `ctx`, runs `fn`, and always closes the repository. */
export async function withRepository<T>(ctx: RepositoryContext, fn: (repo: Repository) => Promise<T>): Promise<T> {
  const repo = await openRepository(ctx);
  try {
    return await fn(repo);
  } finally {
    await repo.close();
  }
}
