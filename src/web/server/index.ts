/**
 * @module web/server
 * The console's Hono application: authentication (token, session cookie, CSRF), routes that call
 * app/ use-cases and render pages/, jobs with progress over Server-Sent Events, and the HTTP(S)
 * listener. May import: app, core, web/ui (index only).
 */
export { createConsoleApp, type ConsoleApp } from './app.js';
export type { ConsoleOptions } from './context.js';
export { isLoopback, parseListen, startConsole, type RunningConsole, type ServeOptions } from './serve.js';
