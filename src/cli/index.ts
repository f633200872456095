/**
 * @module cli
 * The command line: argument parsing (commander with typed options), help, output formats and
 * the exit codes of the contract (docs/cli.md). A thin adapter over app/: every command goes
 * through the one action wrapper (action.ts), opens what it needs through app use-cases and
 * prints their results. May import: app, core, web (index only, for `serve`).
 */
export { VERSION, buildProgram, main, routeInventoryOutput } from './main.js';
export { EXIT, exitCodeFor } from './exit-codes.js';
