/**
 * @module inventory/consistency
 * Cross-source consistency of one inventory document (issue 17): typed findings about accounts
 * and pools on which the sources disagree or that need a look before a migration. Pure; used by
 * `lifeboat inventory check` and by the report's consistency section. May import: inventory/model.
 *
 *   checkConsistency(doc) → ConsistencyReport → renderConsistency(report, text|json)
 */
export * from './check.js';
export { renderConsistency, type ConsistencyFormat } from './render.js';
