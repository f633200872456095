/**
 * @module app/schedule
 * Scheduled restore points and checks: systemd service + timer units (Persistent=true, one
 * flock(1) lock per schedule, the password from a 0600 EnvironmentFile, sandboxing such as
 * ProtectSystem) or a cron.d file; install, list, remove. May import what app/ may.
 */
export * from './calendar.js';
export * from './units.js';
export * from './install.js';
