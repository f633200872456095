/**
 * @module inventory/collectors
 * One collector per source type behind the Collector contract (collector.ts), and the
 * parsers they use (CSV, text encodings, XML, topology). May import: inventory/model,
 * inventory/config, platform, core.
 */
import type { SourceConfig } from '../config/index.js';
import type { Collector } from './collector.js';
import { csvCollector } from './csv.js';
import { hostCollector } from './host.js';
import { ldapCollector } from './ldap.js';
import { postgresCollector } from './postgres.js';
import { sfbTopologyCollector } from './sfb-topology.js';

export * from './collector.js';
export { parseCsv, parseCsvRows } from './csv-parse.js';
export { decodeText, detectEncoding } from './text-decode.js';
export { parseTopology, readTopologyFile, type Topology } from './sfb-topology.js';
export { PoolIndex, normalizeDn, unresolvedPoolName } from './pool-index.js';
export { formatGuid, ldapHomeAttribute } from './ldap.js';
export { connectLdap, ldapErrorMessage } from './ldap-connect.js';

const COLLECTORS = {
  host: hostCollector,
  ldap: ldapCollector,
  csv: csvCollector,
  'sfb-topology': sfbTopologyCollector,
  postgres: postgresCollector,
} as const;

export function collectorFor<C extends SourceConfig>(config: C): Collector<C> {
  return COLLECTORS[config.type] as unknown as Collector<C>;
}
