/**
 * @module backend/location
 * Location strings → backends (scheme registry). May import: backend and its implementations, core.
 */
export * from './location.js';
