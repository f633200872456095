/**
 * @module backend/rclone
 * Any rclone remote through `rclone serve restic --stdio` (restic's rclone backend).
 * May import: backend (its index.ts), backend/http, backend/rest, core.
 */
export { RcloneBackend, type RcloneOptions } from './rclone-backend.js';
