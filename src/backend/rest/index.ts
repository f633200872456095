/**
 * @module backend/rest
 * restic's REST protocol v2 client (rest-server, `rclone serve restic`), over any HttpClient.
 * May import: backend (its index.ts), backend/http, core.
 */
import { Http1Client } from '../http/index.js';
import { RestBackend } from './rest-backend.js';

export { RestBackend } from './rest-backend.js';

export interface RestOptions {
  connections: number;
  idleTimeoutMs: number;
  /** Extra CA certificates (PEM) for https. */
  ca?: string | Buffer;
}

/**
 * A REST backend for `url` (http or https, user:password allowed); `location` is what messages
 * show (without the password).
 */
export function openRestBackend(url: string, location: string, options: RestOptions): RestBackend {
  const client = new Http1Client(url, { maxSockets: options.connections, idleTimeoutMs: options.idleTimeoutMs, ca: options.ca });
  return new RestBackend(client, location, options.connections);
}
