/**
 * @module inventory/config
 * The source list (YAML, validated with zod, errors with file:line and key) and one-off
 * `--source TYPE:ARG` specs. May import: core, platform/config.
 */
export * from './source-config.js';
export * from './load-config.js';
export * from './source-spec.js';
