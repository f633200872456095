/**
 * @module inventory/model
 * The inventory document types, schema version, validation and the derived summary.
 * May import: core.
 */
export * from './document.js';
export * from './validate.js';
export * from './summary.js';
export * from './secrets.js';
export * from './json-schema.js';
export * from './serialize.js';
export * from './home-value.js';
