/**
 * `host`: this machine. Each section comes from a file under /proc or /etc or from a command;
 * a section that cannot be read (tool missing, permission denied) becomes a warning and an
 * empty list, never a failure of the whole source. /etc/shadow and /etc/gshadow are never read;
 * crontab commands are redacted (they sometimes carry passwords).
 */
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { NotFoundError, errorMessage } from '../../core/index.js';
import type { HostSourceConfig } from '../config/index.js';
import {
  type BlockDevice,
  type CrontabEntry,
  type Filesystem,
  type HostInfo,
  type ListeningSocket,
  type LocalGroup,
  type LocalUser,
  type NetworkInterface,
  type Package,
  type Route,
  type Service,
  redactSecrets,
} from '../model/index.js';
import type { Collector, CollectorContext } from './collector.js';

/** Runs a command for a section; a missing tool or a failure is a warning and yields null. */
async function tool(ctx: CollectorContext, section: string, cmd: string, args: string[], quietIfMissing = false): Promise<string | null> {
  try {
    const r = await ctx.exec(cmd, args, { timeoutMs: 30_000, signal: ctx.signal, env: ctx.env, maxOutputBytes: 64 * 1024 * 1024 });
    if (r.code !== 0) {
      ctx.warn(`${section}: ${cmd} exited with ${r.code ?? r.signal}: ${r.stderr.trim().split('\n')[0] ?? ''}`);
      return null;
    }
    return r.stdout.toString('utf8');
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    if (err instanceof NotFoundError) {
      if (!quietIfMissing) ctx.warn(`${section}: ${cmd} is not installed`);
      return null;
    }
    ctx.warn(`${section}: ${errorMessage(err)}`);
    return null;
  }
}

async function file(ctx: CollectorContext, section: string, path: string, warnIfMissing = true): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (warnIfMissing) ctx.warn(`${section}: cannot read ${path}: ${errorMessage(err)}`);
    return null;
  }
}

/** KEY=value / KEY="value" lines (os-release). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2]!;
    if (/^".*"$|^'.*'$/.test(v)) v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    out[m[1]!] = v;
  }
  return out;
}

/** `df -PT -B1` output. */
export function parseDf(text: string): Filesystem[] {
  const out: Filesystem[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 7) continue;
    const [device, type, size, used, avail] = f;
    const mountpoint = f.slice(6).join(' ');
    out.push({ device: device!, type: type!, mountpoint, sizeBytes: Number(size) || 0, usedBytes: Number(used) || 0, availableBytes: Number(avail) || 0 });
  }
  return out;
}

interface LsblkNode {
  name?: string;
  type?: string;
  size?: number | string;
  model?: string | null;
  fstype?: string | null;
  mountpoint?: string | null;
  mountpoints?: (string | null)[];
  children?: LsblkNode[];
}

export function parseLsblk(text: string): BlockDevice[] {
  const data = JSON.parse(text) as { blockdevices?: LsblkNode[] };
  const out: BlockDevice[] = [];
  const walk = (nodes: LsblkNode[], parent: string | null): void => {
    for (const n of nodes) {
      const name = n.name ?? '';
      const mps = (n.mountpoints ?? (n.mountpoint ? [n.mountpoint] : [])).filter((m): m is string => !!m);
      out.push({
        name,
        type: n.type ?? 'unknown',
        sizeBytes: Number(n.size ?? 0) || 0,
        model: n.model?.trim() || null,
        fstype: n.fstype ?? null,
        mountpoints: mps,
        parent,
      });
      if (n.children) walk(n.children, name);
    }
  };
  walk(data.blockdevices ?? [], null);
  return out;
}

export function parseIpRoute(text: string, family: 'IPv4' | 'IPv6'): Route[] {
  const data = JSON.parse(text) as { dst?: string; gateway?: string; dev?: string }[];
  return data.map((r) => ({ destination: r.dst ?? 'default', gateway: r.gateway ?? null, device: r.dev ?? null, family }));
}

/** /proc/net/route (when `ip` is missing): hex little-endian IPv4 addresses. */
export function parseProcRoute(text: string): Route[] {
  const ip = (hex: string): string => {
    const n = Number.parseInt(hex, 16);
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
  };
  const bits = (hex: string): number => Number.parseInt(hex, 16).toString(2).replace(/0/g, '').length;
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 8)
    .map((f) => {
      const dst = ip(f[1]!);
      return {
        destination: dst === '0.0.0.0' ? 'default' : `${dst}/${bits(f[7]!)}`,
        gateway: f[2] === '00000000' ? null : ip(f[2]!),
        device: f[0]!,
        family: 'IPv4' as const,
      };
    });
}

/** `ss -H -ltnup` output. */
export function parseSs(text: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const proto = f[0] === 'tcp' ? 'tcp' : f[0] === 'udp' ? 'udp' : null;
    if (!proto) continue;
    const local = f[4]!;
    const colon = local.lastIndexOf(':');
    const port = Number(local.slice(colon + 1));
    if (!Number.isInteger(port)) continue;
    const address = local
      .slice(0, colon)
      .replace(/%[^\]]*/, '')
      .replace(/^\[|\]$/g, '');
    const proc = /users:\(\("([^"]+)"/.exec(line)?.[1] ?? null;
    out.push({ protocol: proto, address, port, process: proc });
  }
  const seen = new Set<string>();
  return out.filter((s) => {
    const k = `${s.protocol} ${s.address} ${s.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function parsePasswd(text: string): LocalUser[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 7)
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), gecos: f[4]!, home: f[5]!, shell: f[6]! }));
}

export function parseGroup(text: string): LocalGroup[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4)
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: f[3]! ? f[3].split(',').filter(Boolean) : [] }));
}

/** A crontab file; system files (/etc/crontab, /etc/cron.d) have a user column. */
export function parseCrontab(text: string, fileName: string, user: string | null): CrontabEntry[] {
  const out: CrontabEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (/^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(line)) continue; // variable assignment (may hold secrets: skipped)
    const f = line.split(/\s+/);
    const schedLen = f[0]!.startsWith('@') ? 1 : 5;
    if (f.length <= schedLen + (user === null ? 1 : 0)) continue;
    const schedule = f.slice(0, schedLen).join(' ');
    const runAs = user === null ? f[schedLen]! : user;
    const command = f.slice(schedLen + (user === null ? 1 : 0)).join(' ');
    out.push({ file: fileName, user: runAs, schedule, command: redactSecrets(command) });
  }
  return out;
}

const num = (v: string | undefined): number | null => (v === undefined ? null : Number(v) * 1024);

export const hostCollector: Collector<HostSourceConfig> = {
  type: 'host',
  defaultTimeoutSeconds: 120,
  location: () => os.hostname(),
  async collect(_config, ctx) {
    const osr = parseEnvFile((await file(ctx, 'os release', '/etc/os-release')) ?? '');
    const meminfo: Record<string, string> = {};
    for (const line of ((await file(ctx, 'memory', '/proc/meminfo')) ?? '').split('\n')) {
      const m = /^(\w+):\s+(\d+)/.exec(line);
      if (m) meminfo[m[1]!] = m[2]!;
    }
    const cpus = os.cpus();
    const host: HostInfo = {
      hostname: os.hostname(),
      source: ctx.source,
      os: { id: osr.ID ?? null, name: osr.NAME ?? null, version: osr.VERSION_ID ?? null, prettyName: osr.PRETTY_NAME ?? null },
      kernel: { release: os.release(), version: os.version(), arch: os.machine() },
      cpu: { model: cpus[0]?.model.trim() ?? null, count: cpus.length },
      memory: { totalBytes: os.totalmem(), availableBytes: num(meminfo.MemAvailable), swapTotalBytes: num(meminfo.SwapTotal) },
      timeZone: null,
      filesystems: [],
      blockDevices: [],
      interfaces: [],
      routes: [],
      dnsResolvers: [],
      dnsSearch: [],
      listeningSockets: [],
      packages: [],
      services: [],
      users: [],
      groups: [],
      crontabs: [],
    };
    ctx.out.hosts.push(host);

    const tz = (await file(ctx, 'time zone', '/etc/timezone', false))?.trim();
    host.timeZone = tz || Intl.DateTimeFormat().resolvedOptions().timeZone || null;

    const df = await tool(ctx, 'filesystems', 'df', ['-PT', '-B1', '-x', 'tmpfs', '-x', 'devtmpfs', '-x', 'squashfs', '-x', 'overlay']);
    if (df !== null) host.filesystems = parseDf(df);

    const lsblk = await tool(ctx, 'block devices', 'lsblk', ['-J', '-b', '-o', 'NAME,TYPE,SIZE,MODEL,FSTYPE,MOUNTPOINT']);
    if (lsblk !== null) {
      try {
        host.blockDevices = parseLsblk(lsblk);
      } catch (err) {
        ctx.warn(`block devices: unreadable lsblk output: ${errorMessage(err)}`);
      }
    }

    host.interfaces = Object.entries(os.networkInterfaces()).map(([name, addrs]): NetworkInterface => ({
      name,
      mac: addrs?.find((a) => a.mac && a.mac !== '00:00:00:00:00:00')?.mac ?? null,
      addresses: (addrs ?? []).map((a) => ({
        family: a.family === 'IPv6' ? ('IPv6' as const) : ('IPv4' as const),
        address: a.address,
        prefixLength: a.cidr ? Number(a.cidr.split('/')[1]) : null,
      })),
    }));

    const r4 = await tool(ctx, 'routes', 'ip', ['-j', 'route', 'show', 'table', 'main'], true);
    if (r4 !== null) {
      try {
        host.routes = parseIpRoute(r4, 'IPv4');
        const r6 = await tool(ctx, 'routes', 'ip', ['-j', '-6', 'route', 'show', 'table', 'main'], true);
        if (r6 !== null) host.routes.push(...parseIpRoute(r6, 'IPv6'));
      } catch (err) {
        ctx.warn(`routes: unreadable ip output: ${errorMessage(err)}`);
      }
    } else {
      const proc = await file(ctx, 'routes', '/proc/net/route');
      if (proc !== null) {
        host.routes = parseProcRoute(proc);
        ctx.warn('routes: ip is not installed; IPv4 routes read from /proc/net/route');
      }
    }

    const resolv = (await file(ctx, 'DNS resolvers', '/etc/resolv.conf')) ?? '';
    for (const line of resolv.split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[0] === 'nameserver' && f[1]) host.dnsResolvers.push(f[1]);
      if ((f[0] === 'search' || f[0] === 'domain') && f.length > 1) host.dnsSearch.push(...f.slice(1));
    }

    const ss = await tool(ctx, 'listening sockets', 'ss', ['-H', '-ltnup']);
    if (ss !== null) host.listeningSockets = parseSs(ss);

    host.packages = await packages(ctx);
    host.services = await services(ctx);

    const passwd = await file(ctx, 'local users', '/etc/passwd');
    if (passwd !== null) host.users = parsePasswd(passwd);
    const group = await file(ctx, 'local groups', '/etc/group');
    if (group !== null) host.groups = parseGroup(group);

    host.crontabs = await crontabs(ctx);

    for (const [k, v] of Object.entries({
      filesystems: host.filesystems.length,
      interfaces: host.interfaces.length,
      packages: host.packages.length,
      services: host.services.length,
      users: host.users.length,
      listeningSockets: host.listeningSockets.length,
    })) {
      ctx.count(k, v);
    }
  },
};

async function packages(ctx: CollectorContext): Promise<Package[]> {
  const out: Package[] = [];
  const dpkg = await tool(ctx, 'packages', 'dpkg-query', ['-W', '-f', '${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n'], true);
  if (dpkg !== null) {
    for (const line of dpkg.split('\n')) {
      const [status, name, version, arch] = line.split('\t');
      if (!name || !status?.startsWith('ii')) continue;
      out.push({ manager: 'dpkg', name, version: version ?? '', arch: arch || null });
    }
  }
  const rpm = await tool(ctx, 'packages', 'rpm', ['-qa', '--qf', '%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\n'], true);
  if (rpm !== null) {
    for (const line of rpm.split('\n')) {
      const [name, version, arch] = line.split('\t');
      if (!name) continue;
      out.push({ manager: 'rpm', name, version: (version ?? '').replace(/^0:/, ''), arch: arch || null });
    }
  }
  if (dpkg === null && rpm === null) ctx.warn('packages: neither dpkg nor rpm is installed');
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function services(ctx: CollectorContext): Promise<Service[]> {
  const units = await tool(ctx, 'services', 'systemctl', ['list-units', '--type=service', '--all', '--no-legend', '--no-pager', '--plain']);
  if (units === null) return [];
  const files = await tool(ctx, 'services', 'systemctl', ['list-unit-files', '--type=service', '--no-legend', '--no-pager']);
  const enablement = new Map<string, string>();
  for (const line of (files ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] && f[1]) enablement.set(f[0], f[1]);
  }
  const out: Service[] = [];
  for (const line of units.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !f[0]!.endsWith('.service')) continue;
    out.push({ name: f[0]!, state: `${f[2]}/${f[3]}`, enablement: enablement.get(f[0]!) ?? null });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

async function crontabs(ctx: CollectorContext): Promise<CrontabEntry[]> {
  const out: CrontabEntry[] = [];
  const sys = await file(ctx, 'crontabs', '/etc/crontab', false);
  if (sys !== null) out.push(...parseCrontab(sys, '/etc/crontab', null));
  for (const [dir, system] of [
    ['/etc/cron.d', true],
    ['/var/spool/cron/crontabs', false],
    ['/var/spool/cron', false],
  ] as const) {
    let names: string[];
    try {
      names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name);
    } catch {
      continue; // the directory does not exist on this distribution
    }
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      const text = await file(ctx, 'crontabs', path);
      if (text !== null) out.push(...parseCrontab(text, path, system ? null : name));
    }
  }
  return out;
}
