/** The use-cases and types the console's routes use, from app/ (and core's error type). */
export * from '../../app/index.js';
export { LifeboatError } from '../../core/index.js';
