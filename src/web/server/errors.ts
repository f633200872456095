/** How errors reach a page or an API answer: message and hint, a status, never a stack trace. */
import type { Context } from 'hono';
import { LifeboatError } from '../../core/index.js';

/** An error a page shows: its message and hint, never a stack trace. */
export function describe(err: unknown): { message: string; hint?: string; status: 400 | 404 | 409 | 500 } {
  if (err instanceof LifeboatError) {
    const status =
      err.code === 'E_NOT_FOUND' || err.code === 'E_SNAPSHOT_NOT_FOUND'
        ? 404
        : err.code === 'E_USAGE' || err.code === 'E_AMBIGUOUS' || err.code === 'E_UNSAFE_PATH'
          ? 400
          : err.code === 'E_LOCKED' || err.code === 'E_CONFLICT'
            ? 409
            : 500;
    return { message: err.message, ...(err.hint ? { hint: err.hint } : {}), status };
  }
  return { message: err instanceof Error ? err.message : String(err), status: 500 };
}

export function wantsJson(c: Context): boolean {
  return c.req.path.startsWith('/api/');
}
