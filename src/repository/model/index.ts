/**
 * @module repository/model
 * restic's JSON documents, byte-exact: trees and nodes (Go strconv.Quote names, Go JSON string
 * rules, RFC 3339 nano times, os.FileMode), snapshots, index files, config, key files, locks.
 * Decoders never lose information (names as bytes, uint64 as BigInt) and turn malformed or
 * hostile input into FormatErrors. May import: core.
 */
export * from './go-json.js';
export * from './quote.js';
export * from './time.js';
export * from './file-mode.js';
export * from './node.js';
export * from './tree.js';
export * from './tree-stream.js';
export * from './tree-scan.js';
export * from './snapshot.js';
export * from './index-file.js';
export * from './index-scan.js';
export * from './documents.js';
export * from './restic-json.js';
export { parseJson } from './json-reader.js';
export { isValidUtf8 } from './utf8.js';
