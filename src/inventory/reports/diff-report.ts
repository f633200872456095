/** Rendering an InventoryDiff as text, Markdown or JSON. */
import { localTime } from '../../core/index.js';
import type { FieldChange, InventoryDiff } from '../diff/index.js';
import { type CellValue, mdTable, poolLabel, valueText } from './format.js';

export type DiffFormat = 'text' | 'md' | 'json';

const change = (c: FieldChange): string => `${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`;
const who = (a: { displayName: string | null; id: string; source: string }): string => `${a.displayName ?? a.id} [${a.source}:${a.id}]`;

export function renderDiff(diff: InventoryDiff, format: DiffFormat): string {
  if (format === 'json') return `${JSON.stringify(diff, null, 2)}\n`;
  return format === 'md' ? diffMarkdown(diff) : diffText(diff);
}

function diffText(d: InventoryDiff): string {
  const out: string[] = [`inventory diff ${localTime(d.from.collectedAt, { zone: true })} → ${localTime(d.to.collectedAt, { zone: true })}`];
  const a = d.accounts;
  out.push(`accounts: ${d.from.accounts} → ${d.to.accounts} (${a.added.length} added, ${a.removed.length} removed, ${a.moved.length} moved, ${a.changed.length} changed)`);
  if (d.incompleteSources.length) out.push(`warning: sources incomplete in one of the documents (removals may not be real): ${d.incompleteSources.join(', ')}`);
  if (d.poolCounts.length) {
    out.push('', 'accounts per pool:');
    for (const p of d.poolCounts) out.push(`  ${poolLabel(p.pool)}: ${p.from} → ${p.to} (${p.to - p.from >= 0 ? '+' : ''}${p.to - p.from})`);
  }
  const list = (title: string, lines: string[]): void => {
    if (lines.length) out.push('', `${title}:`, ...lines.map((l) => `  ${l}`));
  };
  list(
    'accounts added',
    a.added.map((x) => `+ ${who(x)} on ${poolLabel(x.homePool)}`),
  );
  list(
    'accounts removed',
    a.removed.map((x) => `- ${who(x)} from ${poolLabel(x.homePool)}`),
  );
  list(
    'accounts moved',
    a.moved.map((x) => `~ ${who(x)}: ${poolLabel(x.fromPool)} → ${poolLabel(x.toPool)}`),
  );
  list(
    'accounts changed',
    a.changed.flatMap((x) => [`~ ${who(x)}`, ...x.changes.map((c) => `    ${change(c)}`)]),
  );
  list('pools', [...d.pools.added.map((p) => `+ ${p}`), ...d.pools.removed.map((p) => `- ${p}`), ...d.pools.changed.map((p) => `~ ${p.fqdn}: ${p.changes.map(change).join('; ')}`)]);
  list('hosts', [...d.hosts.added.map((h) => `+ ${h}`), ...d.hosts.removed.map((h) => `- ${h}`)]);
  for (const h of d.hosts.changed) {
    list(`host ${h.hostname}`, [
      ...h.changes.map(change),
      ...h.packagesAdded.map((p) => `+ package ${p.name} ${p.version}`),
      ...h.packagesRemoved.map((p) => `- package ${p.name} ${p.version}`),
      ...h.packagesChanged.map((p) => `~ package ${p.name} ${p.from} → ${p.to}`),
      ...h.servicesAdded.map((s) => `+ service ${s.name} ${s.state}`),
      ...h.servicesRemoved.map((s) => `- service ${s.name} ${s.state}`),
      ...h.servicesChanged.map((s) => `~ service ${s.name} ${s.from} → ${s.to}`),
      ...h.usersAdded.map((u) => `+ user ${u}`),
      ...h.usersRemoved.map((u) => `- user ${u}`),
      ...h.listeningAdded.map((s) => `+ listening ${s}`),
      ...h.listeningRemoved.map((s) => `- listening ${s}`),
    ]);
  }
  list('database servers', [...d.databaseServers.added.map((s) => `+ ${s}`), ...d.databaseServers.removed.map((s) => `- ${s}`)]);
  for (const s of d.databaseServers.changed) {
    list(`database server ${s.endpoint} (${s.source})`, [
      ...s.changes.map(change),
      ...s.databasesAdded.map((x) => `+ database ${x}`),
      ...s.databasesRemoved.map((x) => `- database ${x}`),
      ...s.databasesChanged.map((x) => `~ database ${x.name}: ${x.changes.map(change).join('; ')}`),
      ...s.rolesAdded.map((x) => `+ role ${x}`),
      ...s.rolesRemoved.map((x) => `- role ${x}`),
      ...s.rolesChanged.map((x) => `~ role ${x.name}: ${x.changes.map(change).join('; ')}`),
    ]);
  }
  return `${out.join('\n')}\n`;
}

function diffMarkdown(d: InventoryDiff): string {
  const out: string[] = [
    `# Inventory diff`,
    '',
    `From ${localTime(d.from.collectedAt, { zone: true })} (${d.from.accounts} accounts) to ${localTime(d.to.collectedAt, { zone: true })} (${d.to.accounts} accounts).`,
    '',
  ];
  if (d.incompleteSources.length) out.push(`> **Warning**: incomplete sources (removals may not be real): ${d.incompleteSources.join(', ')}`, '');
  const a = d.accounts;
  out.push('## Accounts', '', mdTable(['Added', 'Removed', 'Moved', 'Changed'], [[a.added.length, a.removed.length, a.moved.length, a.changed.length]]), '');
  if (d.poolCounts.length)
    out.push(
      '## Accounts per pool',
      '',
      mdTable(
        ['Pool', 'Before', 'After', 'Change'],
        d.poolCounts.map((p) => [poolLabel(p.pool), p.from, p.to, p.to - p.from]),
      ),
      '',
    );
  const table = (title: string, header: string[], rows: CellValue[][]): void => {
    if (rows.length) out.push(`### ${title}`, '', mdTable(header, rows), '');
  };
  table(
    'Moved',
    ['Account', 'Source', 'Id', 'From pool', 'To pool'],
    a.moved.map((x) => [x.displayName ?? '', x.source, x.id, poolLabel(x.fromPool), poolLabel(x.toPool)]),
  );
  table(
    'Added',
    ['Account', 'Source', 'Id', 'Pool'],
    a.added.map((x) => [x.displayName ?? '', x.source, x.id, poolLabel(x.homePool)]),
  );
  table(
    'Removed',
    ['Account', 'Source', 'Id', 'Pool'],
    a.removed.map((x) => [x.displayName ?? '', x.source, x.id, poolLabel(x.homePool)]),
  );
  table(
    'Changed',
    ['Account', 'Source', 'Id', 'Field', 'Before', 'After'],
    a.changed.flatMap((x) => x.changes.map((c) => [x.displayName ?? '', x.source, x.id, c.field, valueText(c.from), valueText(c.to)])),
  );
  const poolRows = [
    ...d.pools.added.map((p) => [p, 'added', '']),
    ...d.pools.removed.map((p) => [p, 'removed', '']),
    ...d.pools.changed.map((p) => [p.fqdn, 'changed', p.changes.map(change).join('; ')]),
  ];
  if (poolRows.length) out.push('## Pools', '', mdTable(['Pool', 'Change', 'Details'], poolRows), '');
  const hostRows: CellValue[][] = [...d.hosts.added.map((h) => [h, 'host added', '']), ...d.hosts.removed.map((h) => [h, 'host removed', ''])];
  for (const h of d.hosts.changed) {
    hostRows.push(
      ...h.changes.map((c) => [h.hostname, c.field, `${valueText(c.from)} → ${valueText(c.to)}`]),
      ...h.packagesAdded.map((p) => [h.hostname, 'package added', `${p.name} ${p.version}`]),
      ...h.packagesRemoved.map((p) => [h.hostname, 'package removed', `${p.name} ${p.version}`]),
      ...h.packagesChanged.map((p) => [h.hostname, 'package changed', `${p.name} ${p.from} → ${p.to}`]),
      ...h.servicesAdded.map((s) => [h.hostname, 'service added', `${s.name} ${s.state}`]),
      ...h.servicesRemoved.map((s) => [h.hostname, 'service removed', `${s.name} ${s.state}`]),
      ...h.servicesChanged.map((s) => [h.hostname, 'service changed', `${s.name} ${s.from} → ${s.to}`]),
      ...h.usersAdded.map((u) => [h.hostname, 'user added', u]),
      ...h.usersRemoved.map((u) => [h.hostname, 'user removed', u]),
      ...h.listeningAdded.map((u) => [h.hostname, 'listening added', u]),
      ...h.listeningRemoved.map((u) => [h.hostname, 'listening removed', u]),
    );
  }
  if (hostRows.length) out.push('## Hosts', '', mdTable(['Host', 'Change', 'Details'], hostRows), '');
  const dbRows: CellValue[][] = [...d.databaseServers.added.map((s) => [s, 'server added', '']), ...d.databaseServers.removed.map((s) => [s, 'server removed', ''])];
  for (const s of d.databaseServers.changed) {
    dbRows.push(
      ...s.changes.map((c) => [s.endpoint, c.field, `${valueText(c.from)} → ${valueText(c.to)}`]),
      ...s.databasesAdded.map((x) => [s.endpoint, 'database added', x]),
      ...s.databasesRemoved.map((x) => [s.endpoint, 'database removed', x]),
      ...s.databasesChanged.map((x) => [s.endpoint, `database ${x.name} changed`, x.changes.map(change).join('; ')]),
      ...s.rolesAdded.map((x) => [s.endpoint, 'role added', x]),
      ...s.rolesRemoved.map((x) => [s.endpoint, 'role removed', x]),
      ...s.rolesChanged.map((x) => [s.endpoint, `role ${x.name} changed`, x.changes.map(change).join('; ')]),
    );
  }
  if (dbRows.length) out.push('## Databases', '', mdTable(['Server', 'Change', 'Details'], dbRows), '');
  return `${out.join('\n').trimEnd()}\n`;
}
