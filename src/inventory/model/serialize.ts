/**
 * The document as JSON text (2-space indentation, exactly `JSON.stringify(doc, null, 2)`),
 * produced piece by piece: a directory of 100,000 accounts makes a ~90 MB document, and building
 * it as one string would double the peak memory of `inventory collect`. Large arrays are emitted
 * one element per chunk; the caller writes the chunks out as they come.
 */
import type { InventoryDocument } from './document.js';

const STREAMED = new Set(['accounts', 'hosts', 'pools', 'databaseServers']);

/** Yields the document's JSON text in chunks; joined, they equal JSON.stringify(doc, null, 2) + "\n". */
export function* documentJsonChunks(doc: InventoryDocument): Generator<string> {
  const keys = Object.keys(doc) as (keyof InventoryDocument)[];
  yield '{';
  for (const [i, key] of keys.entries()) {
    const sep = i === keys.length - 1 ? '' : ',';
    const value = doc[key] as unknown;
    if (STREAMED.has(key) && Array.isArray(value) && value.length > 0) {
      yield `\n  ${JSON.stringify(key)}: [`;
      for (const [j, el] of value.entries()) {
        yield `\n    ${JSON.stringify(el, null, 2).replace(/\n/g, '\n    ')}${j === value.length - 1 ? '' : ','}`;
      }
      yield `\n  ]${sep}`;
    } else {
      yield `\n  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}${sep}`;
    }
  }
  yield '\n}\n';
}
