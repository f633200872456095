/**
 * Inventory use-cases: collect (from a config file and/or one-off sources), report, check and diff.
 * Collecting returns the document and its Markdown rendering; storing them in a repository is
 * a separate step (a snapshot tagged `inventory`) that takes exactly these two values, and
 * loading reads the document back from such a snapshot.
 */
import { readFile } from 'node:fs/promises';
import { type Id, LifeboatError, NotFoundError, errnoCode } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { backup } from './backup.js';
import { readSnapshotFile } from './snapshot-ref.js';
import {
  type ConsistencyFormat,
  type ConsistencyReport,
  type DiffFormat,
  type InventoryDiff,
  type InventoryDocument,
  type InventoryProgress,
  type ReportFormat,
  type SourceConfig,
  checkConsistency,
  collectInventory,
  diffInventories,
  documentJsonChunks,
  loadInventoryConfig,
  parseInventoryDocument,
  parseSourceSpec,
  renderConsistency,
  renderDiff,
  renderReport,
} from '../inventory/index.js';
import { VERSION } from './version.js';

export type { ConsistencyFormat, ConsistencyReport, DiffFormat, InventoryDiff, InventoryDocument, InventoryProgress, ReportFormat };
/** The document's JSON text in chunks (large documents are never one string). */
export { documentJsonChunks };

export interface InventoryCollectRequest {
  configFile?: string;
  /** `TYPE:ARG` one-off sources, added after the config file's. */
  sources?: string[];
  /** Preset for one-off csv/ldap sources. */
  preset?: string;
  /** Sources already parsed (a plan file's inventory section). */
  sourceConfigs?: SourceConfig[];
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
  const sources: SourceConfig[] = [...(req.sourceConfigs ?? [])];
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

export { renderReport as renderInventoryReport };

/** Cross-source consistency of a document file (see inventory/consistency). */
export async function inventoryCheck(path: string, format: ConsistencyFormat): Promise<{ report: ConsistencyReport; output: string }> {
  return checkDocument(await readInventoryDocument(path), format);
}

/** Cross-source consistency of a document already in memory (e.g. just collected). */
export function checkDocument(doc: InventoryDocument, format: ConsistencyFormat): { report: ConsistencyReport; output: string } {
  const report = checkConsistency(doc);
  return { report, output: renderConsistency(report, format) };
}

export async function inventoryDiff(oldPath: string, newPath: string, format: DiffFormat): Promise<{ diff: InventoryDiff; output: string }> {
  const [a, b] = await Promise.all([readInventoryDocument(oldPath), readInventoryDocument(newPath)]);
  const diff = diffInventories(a, b);
  return { diff, output: renderDiff(diff, format) };
}

/** The tag of snapshots holding an inventory, and the names of its two files. */
export const INVENTORY_TAG = 'inventory';
export const INVENTORY_JSON = 'inventory.json';
export const INVENTORY_MARKDOWN = 'inventory.md';

export interface InventoryStoreOptions {
  host?: string;
  /** Tags besides `inventory` (restore points add theirs). */
  tags?: string[];
  signal?: AbortSignal;
}

/**
 * Saves a collected document and its Markdown report as a snapshot tagged `inventory` holding
 * /inventory.json and /inventory.md, so `restic dump latest /inventory.md --tag inventory` works too.
 */
export async function inventoryStore(repo: Repository, result: Pick<InventoryCollectResult, 'document' | 'markdown'>, opts: InventoryStoreOptions = {}): Promise<Id> {
  // chunk by chunk: a document of 100,000 accounts is ~90 MB of JSON, never built as one string
  const json = (function* () {
    for (const chunk of documentJsonChunks(result.document)) yield Buffer.from(chunk);
  })();
  const stored = await backup(repo, {
    paths: [],
    files: [
      { filename: INVENTORY_JSON, data: json },
      { filename: INVENTORY_MARKDOWN, data: Buffer.from(result.markdown) },
    ],
    tags: [INVENTORY_TAG, ...(opts.tags ?? [])],
    host: opts.host,
    signal: opts.signal,
  });
  return stored.snapshotId!;
}

/** Reads the inventory document stored in a snapshot (`latest` = the newest tagged `inventory`). */
export async function inventoryLoad(repo: Repository, ref: string, signal?: AbortSignal): Promise<{ snapshotId: Id; document: InventoryDocument }> {
  const filter = ref === 'latest' ? { tags: [[INVENTORY_TAG]] } : {};
  const { entry, data } = await readSnapshotFile(repo, ref, `/${INVENTORY_JSON}`, filter, signal).catch((err: unknown) => {
    if (err instanceof LifeboatError && (err.code === 'E_NOT_FOUND' || (ref === 'latest' && err.code === 'E_SNAPSHOT_NOT_FOUND'))) {
      throw new LifeboatError(err.code, `${ref === 'latest' ? 'no snapshot tagged inventory' : `snapshot ${ref} holds no /${INVENTORY_JSON}`}`, {
        hint: 'store one with `lifeboat inventory collect --store`; `lifeboat snapshots --tag inventory` lists them',
        cause: err,
      });
    }
    throw err;
  });
  return { snapshotId: entry.id, document: parseInventoryDocument(data.toString('utf8'), `snapshot ${entry.id.slice(0, 8)}:/${INVENTORY_JSON}`) };
}
