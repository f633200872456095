/**
 * @module platform
 * Ports to the host machine: exec/ (commands with timeouts, streamed stdin, captured output) and
 * config/ (YAML + zod, errors as file:line:key). May import: core.
 *
 * Each port is imported through its own index.ts (`platform/exec/index.js`), so that what needs
 * exec does not load yaml and zod; this file re-exports nothing on purpose.
 */
export {};
