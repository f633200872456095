/**
 * The collector contract. A collector reads one source and pushes what it finds into
 * `ctx.out` as it goes, so a source that fails half-way still contributes what it read (its
 * report then says `failed` or `partial`). Problems that do not stop it are `ctx.warn` (something
 * could not be read: a missing tool, an unreadable file) or `ctx.error` (data is missing: a
 * search that failed, rows that could not be parsed). Throwing ends the source with an error.
 * Every collector honours `ctx.signal` (the user's abort or the source's timeout).
 */
import type { runCommand } from '../../platform/exec/index.js';
import type { Account, DatabaseServer, HostInfo, Pool, SourceType } from '../model/index.js';
import type { SourceConfig } from '../config/index.js';

export interface CollectedData {
  hosts: HostInfo[];
  pools: Pool[];
  accounts: Account[];
  databaseServers: DatabaseServer[];
}

export type InventoryProgress =
  | { type: 'source-start'; source: string; sourceType: SourceType }
  | { type: 'source-progress'; source: string; message: string; accounts: number }
  | {
      type: 'source-done';
      source: string;
      status: 'ok' | 'partial' | 'failed';
      durationMs: number;
      warnings: number;
      errors: number;
    };

export interface CollectorContext {
  /** The source's name in the document (accounts, pools, … carry it). */
  source: string;
  signal: AbortSignal;
  out: CollectedData;
  warn(message: string): void;
  error(message: string): void;
  /** Count shown in the source report (`accounts`, `pools`, `packages`, …). */
  count(name: string, n: number): void;
  progress(message: string): void;
  /** Runs a command (platform/exec by default; tests may restrict PATH through `env`). */
  exec: typeof runCommand;
  env: Readonly<Record<string, string | undefined>>;
}

export interface Collector<C extends SourceConfig = SourceConfig> {
  type: C['type'];
  defaultTimeoutSeconds: number;
  /** Where the source is, for the report, with any password removed. */
  location(config: C): string | null;
  collect(config: C, ctx: CollectorContext): Promise<void>;
}

export function emptyCollected(): CollectedData {
  return { hosts: [], pools: [], accounts: [], databaseServers: [] };
}
