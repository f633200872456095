/**
 * @module app/testing
 * Helpers for the use-cases' unit tests (never imported by production code).
 */
export * from './app-fixture.js';
