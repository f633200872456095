/**
 * Inventory use-cases: collect (from a config file and/or one-off sources), report and diff.
 * Collecting returns the document and its Markdown rendering; storing them in a repository is
 * a separate step (a snapshot tagged `inventory`) that takes exactly these two values.
 */
import { readFile } from 'node:fs/promises';
import { LifeboatError, NotFoundError, errnoCode } from '../core/index.js';
import {
  type DiffFormat,
  type InventoryDiff,
  type InventoryDocument,
  type InventoryProgress,
  type ReportFormat,
  type SourceConfig,
  collectInventory,
  diffInventories,
  documentJsonChunks,
  loadInventoryConfig,
  parseInventoryDocument,
  parseSourceSpec,
  renderDiff,
  renderReport,
} from '../inventory/index.js';
import { VERSION } from './version.js';

export type { DiffFormat, InventoryDiff, InventoryDocument, InventoryProgress, ReportFormat };
/** The document's JSON text in chunks (large documents are never one string). */
export { documentJsonChunks };

export interface InventoryCollectRequest {
  configFile?: string;
  /** `TYPE:ARG` one-off sources, added after the config file's. */
  sources?: string[];
  /** Preset for one-off csv/ldap sources. */
  preset?: string;
}

export interface InventoryCollectResult {
  document: InventoryDocument;
  /** The Markdown report, ready to be stored beside the document. */
  markdown: string;
  /** Every source finished without warnings or errors. */
  clean: boolean;
  /** Every source failed. */
  failed: boolean;
}

export async function inventoryCollect(
  req: InventoryCollectRequest,
  opts: { signal?: AbortSignal; onProgress?: (e: InventoryProgress) => void; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<InventoryCollectResult> {
  const sources: SourceConfig[] = [];
  if (req.configFile) sources.push(...(await loadInventoryConfig(req.configFile)).sources);
  for (const spec of req.sources ?? []) sources.push(parseSourceSpec(spec, req.preset));
  if (sources.length === 0) {
    throw new LifeboatError('E_USAGE', 'no sources to collect', { hint: 'pass -c FILE with a source list, or --source TYPE:ARG (e.g. --source host)' });
  }
  const document = await collectInventory(sources, { ...opts, generatorVersion: VERSION });
  return {
    document,
    markdown: renderReport(document, 'md'),
    clean: document.sources.every((s) => s.status === 'ok' && s.warnings.length === 0),
    failed: document.sources.every((s) => s.status === 'failed'),
  };
}

/** Reads and validates an inventory document file. */
export async function readInventoryDocument(path: string): Promise<InventoryDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') throw new NotFoundError(`${path} does not exist`, { cause: err });
    throw new LifeboatError('E_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseInventoryDocument(text, path);
}

export async function inventoryReport(path: string, format: ReportFormat): Promise<string> {
  return renderReport(await readInventoryDocument(path), format);
}

export async function inventoryDiff(oldPath: string, newPath: string, format: DiffFormat): Promise<{ diff: InventoryDiff; output: string }> {
  const [a, b] = await Promise.all([readInventoryDocument(oldPath), readInventoryDocument(newPath)]);
  const diff = diffInventories(a, b);
  return { diff, output: renderDiff(diff, format) };
}
