/**
 * @module backend/memory
 * A Map-based backend with the contract's semantics, for unit tests elsewhere.
 * May import: backend (its index.ts), core.
 */
export { MemoryBackend } from './memory-backend.js';
