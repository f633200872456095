/**
 * @module app/wiring
 * Composition root: flags and environment → backend → Repository.
 */
export * from './credentials.js';
export * from './open-repository.js';
export * from './write-observers.js';
