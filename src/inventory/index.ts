/**
 * @module inventory
 * Documenting the existing system before a migration: collectors read real systems (this host,
 * LDAP/Active Directory with the Skype for Business and Exchange presets, CSV/JSON exports,
 * Get-CsTopology XML, PostgreSQL) into one versioned document; reports render it for people;
 * diffs compare two documents. It never touches the repository: app/ decides where documents go.
 * May import: platform, core.
 *
 *   loadInventoryConfig(file) | parseSourceSpec(spec) → SourceConfig[]
 *   collectInventory(sources) → InventoryDocument → renderReport(doc, md|html|csv|json)
 *   diffInventories(old, new) → InventoryDiff → renderDiff(diff, text|md|json)
 *   checkConsistency(doc) → ConsistencyReport (findings across sources) → renderConsistency(report, text|json)
 */
export * from './model/index.js';
export {
  loadInventoryConfig,
  parseInventoryConfig,
  parseSourceSpec,
  resolveSourcePaths,
  sourceConfigSchema,
  ConfigError,
  type SourceConfig,
  type LdapSourceConfig,
  type InventoryConfig,
} from './config/index.js';
export { collectInventory, collectionIsClean, sourceNames, type CollectOptions } from './collect.js';
export type { InventoryProgress } from './collectors/index.js';
export { connectLdap, ldapHomeAttribute, ldapErrorMessage } from './collectors/index.js';
export { checkConsistency, renderConsistency, FINDING_KINDS, type ConsistencyFinding, type ConsistencyFormat, type ConsistencyReport, type FindingKind } from './consistency/index.js';
export { diffInventories, diffIsEmpty, type InventoryDiff } from './diff/index.js';
export { renderReport, renderDiff, REPORT_FORMATS, type ReportFormat, type DiffFormat } from './reports/index.js';
