/**
 * @module core
 * What every layer may use: IDs, typed errors, small async helpers. Imports node: builtins only.
 */
export * from './errors.js';
export * from './ids.js';
export * from './concurrency.js';
export * from './local-time.js';
export * from './byte-size.js';
export * from './unsupported.js';
export * from './package-root.js';
