/**
 * Access control of the console. One access token (random, printed once at start, kept in a
 * 0600 file) is exchanged — from a `Authorization: Bearer` header, a form field, or a one-time
 * `?token=` on /login — for a session cookie (HttpOnly, SameSite=Strict, Secure over TLS).
 * Every request but /login and /static needs the cookie or the header; every state-changing
 * request also needs an Origin (or, failing that, a Referer) of this very server (CSRF).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export const SESSION_COOKIE = 'lifeboat_session';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison of a presented token with the real one. */
export function tokenMatches(presented: string | undefined | null, token: string): boolean {
  if (!presented) return false;
  return timingSafeEqual(digest(presented), digest(token));
}

export class Sessions {
  private readonly ids = new Set<string>();

  create(): string {
    const id = randomBytes(32).toString('base64url');
    this.ids.add(id);
    return id;
  }

  valid(id: string | undefined): boolean {
    return id !== undefined && this.ids.has(id);
  }
}

export function bearer(c: Context): string | undefined {
  const h = c.req.header('authorization');
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m?.[1];
}

export function startSession(c: Context, sessions: Sessions, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, sessions.create(), { httpOnly: true, sameSite: 'Strict', path: '/', secure });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** This server's own origin as the browser sees it (from the Host header and the scheme). */
function ownOrigin(c: Context, secure: boolean): string | undefined {
  const host = c.req.header('host');
  return host ? `${secure ? 'https' : 'http'}://${host}` : undefined;
}

/** True when a state-changing request comes from a page of this server. */
export function sameOrigin(c: Context, secure: boolean): boolean {
  const own = ownOrigin(c, secure);
  if (!own) return false;
  const origin = c.req.header('origin');
  if (origin) return origin === own;
  const referer = c.req.header('referer');
  if (!referer) return false;
  try {
    return new URL(referer).origin === own;
  } catch {
    return false;
  }
}

export function accessControl(token: string, sessions: Sessions, secure: boolean, onDenied: (c: Context, why: 'login' | 'csrf') => Response | Promise<Response>): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    const open = path === '/login' || path.startsWith('/static/');
    if (!SAFE_METHODS.has(c.req.method) && !sameOrigin(c, secure)) {
      // a request with the bearer header is not a browser's cross-site form: scripts may post
      if (!tokenMatches(bearer(c), token)) return onDenied(c, 'csrf');
    }
    if (open) return next();
    if (sessions.valid(getCookie(c, SESSION_COOKIE)) || tokenMatches(bearer(c), token)) return next();
    return onDenied(c, 'login');
  };
}
