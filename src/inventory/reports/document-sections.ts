/**
 * The report's content, independent of the output format: an ordered list of sections, each
 * with paragraphs, key/value lists and tables. Markdown and HTML render the same sections.
 * Order (issue 5): accounts per pool, then per pool its accounts, then pools, hosts,
 * databases, the consistency of the sources (issue 17), and the sources with their warnings.
 */
import { localTime } from '../../core/index.js';
import type { Account, InventoryDocument } from '../model/index.js';
import type { Block, Section, Table } from './section.js';
import { consistencySection } from './consistency-section.js';
import { formatBytes, poolLabel, yesNo } from './format.js';

export type { Block, Section, Table } from './section.js';

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'x';

function accountRow(a: Account): string[] {
  return [a.displayName ?? '', a.sipAddress ?? a.primaryAddress ?? '', a.kind, yesNo(a.enabled), a.homing, a.source, a.id];
}
const ACCOUNT_HEADER = ['Display name', 'Address', 'Kind', 'Enabled', 'Homing', 'Source', 'Id'];

export function documentSections(doc: InventoryDocument): Section[] {
  const out: Section[] = [];
  const poolInfo = new Map(doc.pools.map((p) => [p.fqdn, p]));
  const byPool = new Map<string | null, Account[]>();
  for (const a of doc.accounts) {
    const list = byPool.get(a.homePool);
    if (list) list.push(a);
    else byPool.set(a.homePool, [a]);
  }

  const perPoolRows = doc.summary.accountsPerPool.map((p) => {
    const list = byPool.get(p.pool) ?? [];
    const info = p.pool === null ? undefined : poolInfo.get(p.pool);
    return [
      poolLabel(p.pool),
      info?.site ?? '',
      info?.kind ?? (p.pool === null ? '' : list[0]?.homing === 'online' ? 'online' : 'not in topology'),
      p.count,
      list.filter((a) => a.enabled === true).length,
      list.filter((a) => a.enabled === false).length,
    ];
  });
  perPoolRows.push(['Total', '', '', doc.summary.accounts, doc.summary.enabledAccounts, doc.summary.disabledAccounts]);
  out.push({
    level: 2,
    title: 'Accounts per pool',
    id: 'accounts-per-pool',
    blocks: [
      {
        kind: 'kv',
        items: [
          ['Collected', localTime(doc.collectedAt, { zone: true })],
          ['Accounts', String(doc.summary.accounts)],
          [
            'By kind',
            Object.entries(doc.summary.accountsPerKind)
              .map(([k, n]) => `${k} ${n}`)
              .join(', '),
          ],
          ['Sources', doc.sources.map((s) => `${s.name} (${s.type}, ${s.status})`).join(', ')],
        ],
      },
      { kind: 'table', table: { header: ['Pool', 'Site', 'Kind', 'Accounts', 'Enabled', 'Disabled'], rows: perPoolRows, numeric: [3, 4, 5] } },
    ],
  });

  for (const p of doc.summary.accountsPerPool) {
    const list = byPool.get(p.pool) ?? [];
    const sorted = [...list].sort((x, y) => ((x.displayName ?? x.id) < (y.displayName ?? y.id) ? -1 : 1));
    out.push({
      level: 3,
      title: `${poolLabel(p.pool)} (${p.count})`,
      id: `pool-${slug(poolLabel(p.pool))}`,
      blocks: [{ kind: 'table', table: { header: ACCOUNT_HEADER, rows: sorted.map(accountRow) } }],
    });
  }

  if (doc.pools.length) {
    out.push({
      level: 2,
      title: 'Pools',
      id: 'pools',
      blocks: [
        {
          kind: 'table',
          table: {
            header: ['Pool', 'Site', 'Kind', 'Members', 'Services', 'Also known as', 'Source'],
            rows: doc.pools.map((p) => [p.fqdn, p.site ?? '', p.kind, p.members.join(', '), p.services.join(', '), p.aliases.join('; '), p.source]),
          },
        },
      ],
    });
  }

  for (const h of doc.hosts) {
    out.push({
      level: 2,
      title: `Host ${h.hostname}`,
      id: `host-${slug(h.hostname)}`,
      blocks: [
        {
          kind: 'kv',
          items: [
            ['Operating system', h.os.prettyName ?? h.os.name ?? ''],
            ['Kernel', `${h.kernel.release} (${h.kernel.arch})`],
            ['CPU', `${h.cpu.count} × ${h.cpu.model ?? 'unknown'}`],
            ['Memory', `${formatBytes(h.memory.totalBytes)} (available ${formatBytes(h.memory.availableBytes)}, swap ${formatBytes(h.memory.swapTotalBytes)})`],
            ['Time zone', h.timeZone ?? ''],
            ['DNS resolvers', `${h.dnsResolvers.join(', ')}${h.dnsSearch.length ? ` (search ${h.dnsSearch.join(' ')})` : ''}`],
            ['Packages', String(h.packages.length)],
          ],
        },
      ],
    });
    const sub = (title: string, table: Table): void => {
      if (table.rows.length) out.push({ level: 3, title: `${h.hostname}: ${title}`, id: `host-${slug(h.hostname)}-${slug(title)}`, blocks: [{ kind: 'table', table }] });
    };
    sub('filesystems', {
      header: ['Mount point', 'Type', 'Device', 'Size', 'Used', 'Available'],
      rows: h.filesystems.map((f) => [f.mountpoint, f.type, f.device, formatBytes(f.sizeBytes), formatBytes(f.usedBytes), formatBytes(f.availableBytes)]),
    });
    sub('block devices', {
      header: ['Name', 'Type', 'Size', 'Filesystem', 'Mount points', 'Model', 'Parent'],
      rows: h.blockDevices.map((b) => [b.name, b.type, formatBytes(b.sizeBytes), b.fstype ?? '', b.mountpoints.join(', '), b.model ?? '', b.parent ?? '']),
    });
    sub('network', {
      header: ['Interface', 'MAC', 'Addresses'],
      rows: h.interfaces.map((i) => [i.name, i.mac ?? '', i.addresses.map((a) => `${a.address}${a.prefixLength !== null ? `/${a.prefixLength}` : ''}`).join(', ')]),
    });
    sub('routes', { header: ['Destination', 'Gateway', 'Device', 'Family'], rows: h.routes.map((r) => [r.destination, r.gateway ?? '', r.device ?? '', r.family]) });
    sub('listening sockets', {
      header: ['Protocol', 'Address', 'Port', 'Process'],
      rows: h.listeningSockets.map((s) => [s.protocol, s.address, s.port, s.process ?? '']),
      numeric: [2],
    });
    sub('services', { header: ['Service', 'State', 'Enabled'], rows: h.services.map((s) => [s.name, s.state, s.enablement ?? '']) });
    sub('users', { header: ['User', 'UID', 'GID', 'Home', 'Shell', 'Comment'], rows: h.users.map((u) => [u.name, u.uid, u.gid, u.home, u.shell, u.gecos]), numeric: [1, 2] });
    sub('groups', { header: ['Group', 'GID', 'Members'], rows: h.groups.map((g) => [g.name, g.gid, g.members.join(', ')]), numeric: [1] });
    sub('crontabs', { header: ['File', 'User', 'Schedule', 'Command'], rows: h.crontabs.map((c) => [c.file, c.user ?? '', c.schedule, c.command]) });
    sub('packages', { header: ['Package', 'Version', 'Arch', 'Manager'], rows: h.packages.map((p) => [p.name, p.version, p.arch ?? '', p.manager]) });
  }

  for (const s of doc.databaseServers) {
    const title = `PostgreSQL ${s.endpoint}`;
    out.push({
      level: 2,
      title,
      id: `db-${slug(`${s.source}-${s.endpoint}`)}`,
      blocks: [
        { kind: 'kv', items: [['Version', s.version], ['Source', s.source], ...Object.entries(s.settings)] },
        {
          kind: 'table',
          table: {
            header: ['Database', 'Owner', 'Encoding', 'Collation', 'Size', 'Extensions'],
            rows: s.databases.map((d) => [d.name, d.owner, d.encoding, d.collation ?? '', formatBytes(d.sizeBytes), d.extensions.map((e) => `${e.name} ${e.version}`).join(', ')]),
          },
        },
        {
          kind: 'table',
          table: {
            header: ['Role', 'Login', 'Superuser', 'Create role', 'Create DB', 'Replication', 'Valid until', 'Member of'],
            rows: s.roles.map((r) => [r.name, yesNo(r.canLogin), yesNo(r.superuser), yesNo(r.createRole), yesNo(r.createDb), yesNo(r.replication), r.validUntil ?? '', r.memberOf.join(', ')]),
          },
        },
      ],
    });
  }

  const problems: Block[] = [
    {
      kind: 'table',
      table: {
        header: ['Source', 'Type', 'Location', 'Status', 'Duration (ms)', 'Counts', 'Warnings', 'Errors'],
        rows: doc.sources.map((s) => [
          s.name,
          s.type,
          s.location ?? '',
          s.status,
          s.durationMs,
          Object.entries(s.counts)
            .map(([k, n]) => `${k} ${n}`)
            .join(', '),
          s.warnings.length,
          s.errors.length,
        ]),
        numeric: [4, 6, 7],
      },
    },
  ];
  const lines = doc.sources.flatMap((s) => [...s.errors.map((e) => [s.name, 'error', e]), ...s.warnings.map((w) => [s.name, 'warning', w])]);
  if (lines.length) problems.push({ kind: 'table', table: { header: ['Source', 'Level', 'Message'], rows: lines } });
  out.push(consistencySection(doc));
  out.push({ level: 2, title: 'Sources and warnings', id: 'sources', blocks: problems });
  return out;
}
