/**
 * @module backend/sftp
 * Repositories over SFTP, through a spawned `ssh … -s sftp` as restic does. May import backend, core.
 */
export { SftpBackend, type SftpOptions, sshCommand } from './sftp-backend.js';
