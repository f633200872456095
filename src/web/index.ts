/**
 * @module web
 * The web console (`lifeboat serve`): a local HTTP server, server-rendered pages over the same
 * use-cases as the CLI (restore points, inventory, diff, snapshots, rollback, jobs with live
 * progress over Server-Sent Events). server/ is the Hono application and its security; ui/ the
 * stylesheet and the small client script. May import: app, core.
 */
export { createConsoleApp, type ConsoleApp, type ConsoleOptions, isLoopback, parseListen, startConsole, type RunningConsole, type ServeOptions } from './server/index.js';
