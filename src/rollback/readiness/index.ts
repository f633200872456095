/**
 * @module rollback/readiness
 * The readiness gate: what a complete restore point holds for a product version (a checklist
 * file per version in `checklists/`), applied to a plan and its exports directory; each item
 * verified, unverified, stale, failed or missing, with the command that produces it.
 * May import: platform, core.
 */
export * from './checklist.js';
export * from './gate.js';
export * from './render.js';
export { verifyExport, countExportedUsers, type ExportCheck } from './verify-export.js';
export { readZip, decodeXmlBytes } from './zip-reader.js';
