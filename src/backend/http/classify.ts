/**
 * Network and HTTP failures → the backend's error families (see backend.ts), so the retry layer
 * decides without knowing HTTP: connection trouble and 5xx/429/408 answers are transient, refused
 * credentials and untrusted certificates are permanent with a hint, aborts and programmer errors
 * pass through unchanged. Messages name the object and the location, never a secret.
 */
import { BackendError, LifeboatError, errnoCode, errorMessage } from '../../core/index.js';

/** Connection-level errors a retry can get past. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_SOCKET_CLOSED',
  'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC',
  'UND_ERR_SOCKET',
  'TimeoutError',
  'RequestTimeout',
]);

const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

export const CACERT_HINT = "the server's TLS certificate is not trusted: pass its CA certificate with -o cacert=FILE (or LIFEBOAT_CACERT)";

/** True for the rejection of an aborted signal (whatever reason it carries). */
function isAbortLike(err: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted && err === signal.reason) return true;
  return err instanceof Error && err.name === 'AbortError';
}

/**
 * @param what the object and where it lives, e.g. `data/2b59… in rest:http://host/`
 */
export function classifyNetworkError(err: unknown, op: string, what: string, signal?: AbortSignal): unknown {
  if (err instanceof LifeboatError || isAbortLike(err, signal)) return err;
  const code = errnoCode(err) ?? (err instanceof Error ? err.name : undefined);
  if (err instanceof Error && code === undefined) return err;
  if (code !== undefined && CERT_CODES.has(code)) {
    return new BackendError(`${op} ${what} failed: ${errorMessage(err)} (${code})`, { cause: err, hint: CACERT_HINT });
  }
  if (code === 'ENOTFOUND') {
    return new BackendError(`${op} ${what} failed: host not found (${errorMessage(err)})`, { cause: err, hint: 'check the host name in the repository location' });
  }
  const transient = code !== undefined && TRANSIENT_CODES.has(code);
  return new BackendError(`${op} ${what} failed: ${transient ? 'cannot reach the server: ' : ''}${errorMessage(err)}${code && !errorMessage(err).includes(code) ? ` (${code})` : ''}`, {
    cause: err,
    transient,
  });
}

/** A failed HTTP answer (not 404, which the caller turns into NotFoundError). */
export function httpStatusError(status: number, op: string, what: string, detail = ''): BackendError {
  const text = `${op} ${what} failed: HTTP ${status}${detail ? ` (${detail})` : ''}`;
  if (status === 401 || status === 403) {
    return new BackendError(text, { hint: 'the server refused the credentials: check the user and password (or keys) for this location' });
  }
  const transient = status === 408 || status === 429 || status >= 500;
  return new BackendError(text, { transient });
}

/** The first line of a short text body, for messages (servers put the reason there). */
export function bodyDetail(body: Buffer): string {
  if (body.length === 0 || body.length > 4096) return '';
  const text = body.toString('utf8').trim().split('\n')[0] ?? '';
  return /^[\x20-\x7e]*$/.test(text) ? text.slice(0, 200) : '';
}
