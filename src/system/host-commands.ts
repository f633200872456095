/**
 * The host commands bare-metal capture and restore run (util-linux, e2fsprogs, GRUB...), each
 * through platform/exec with a timeout; their JSON output is validated before use.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { LifeboatError, NotFoundError } from '../core/index.js';
import { type RunOptions, commandExists, runCommand } from '../platform/exec/index.js';

export interface RunOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command; a missing program is reported as data (`code` null, stderr says so). */
export async function tryRun(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunOutput> {
  try {
    const r = await runCommand(cmd, args, { timeoutMs: 120_000, ...options });
    return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
  } catch (err) {
    if (err instanceof NotFoundError) return { code: null, stdout: '', stderr: `${cmd} is not installed` };
    throw err;
  }
}

/** Runs a command that must succeed; its failure is an E_COMMAND_FAILED naming the command. */
export async function mustRun(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  const r = await tryRun(cmd, args, options);
  if (r.code !== 0) {
    throw new LifeboatError('E_COMMAND_FAILED', `${[cmd, ...args].join(' ')} failed${r.code === null ? '' : ` (exit ${r.code})`}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, {
      hint: r.code === null ? `install ${cmd} (docs/bare-metal.md lists the packages a rescue system needs)` : "see the command's message above",
    });
  }
  return r.stdout;
}

export { commandExists };

function parseJson<T>(text: string, schema: z.ZodType<T>, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LifeboatError('E_FORMAT', `${what} did not print JSON: ${(err as Error).message}`, { cause: err });
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new LifeboatError('E_FORMAT', `${what} printed JSON this version does not read: ${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}

export interface Mount {
  target: string;
  source: string;
  fstype: string;
  options: string;
  /** "major:minor" of the mounted device. */
  majMin: string;
}

const findmntSchema = z.object({
  filesystems: z.array(z.object({ target: z.string(), source: z.string(), fstype: z.string(), options: z.string(), 'maj:min': z.string() }).passthrough()),
});

/** Every mount of this machine, in mount order (later ones on top). */
export async function listMounts(): Promise<Mount[]> {
  const out = await mustRun('findmnt', ['--json', '--list', '--output', 'TARGET,SOURCE,FSTYPE,OPTIONS,MAJ:MIN']);
  return parseJson(out, findmntSchema, 'findmnt').filesystems.map((f) => ({ target: f.target, source: f.source, fstype: f.fstype, options: f.options, majMin: f['maj:min'] }));
}

export interface BlockDevice {
  name: string;
  path: string;
  type: string;
  size: number;
  majMin: string;
  fstype: string | null;
  model: string | null;
  logicalSectorSize: number;
  /** Parent chain, nearest first (a partition's disk; an LVM volume's partitions and their disks). */
  parents: BlockDevice[];
  children: BlockDevice[];
}

interface RawBlockDevice {
  name: string;
  path: string;
  type: string;
  size: number | string | null;
  'maj:min': string;
  fstype?: string | null;
  model?: string | null;
  'log-sec'?: number | string | null;
  children?: RawBlockDevice[];
}

const rawDevice: z.ZodType<RawBlockDevice> = z.lazy(() =>
  z
    .object({
      name: z.string(),
      path: z.string(),
      type: z.string(),
      size: z.union([z.number(), z.string(), z.null()]),
      'maj:min': z.string(),
      fstype: z.string().nullable().optional(),
      model: z.string().nullable().optional(),
      'log-sec': z.union([z.number(), z.string(), z.null()]).optional(),
      children: z.array(rawDevice).optional(),
    })
    .passthrough(),
);

const lsblkSchema = z.object({ blockdevices: z.array(rawDevice) });

/**
 * Block devices as lsblk sees them, flattened: a device with several parents (an LVM volume on
 * two disks) appears once per path in lsblk's tree and once here with every parent.
 */
export async function listBlockDevices(device?: string): Promise<BlockDevice[]> {
  const out = await mustRun('lsblk', ['--json', '--bytes', '--output', 'NAME,PATH,TYPE,SIZE,MAJ:MIN,FSTYPE,MODEL,LOG-SEC', ...(device ? [device] : [])]);
  const byPath = new Map<string, BlockDevice>();
  const visit = (raw: RawBlockDevice, parent: BlockDevice | undefined): void => {
    let dev = byPath.get(raw.path);
    if (!dev) {
      dev = {
        name: raw.name,
        path: raw.path,
        type: raw.type,
        size: Number(raw.size ?? 0),
        majMin: raw['maj:min'],
        fstype: raw.fstype ?? null,
        model: raw.model?.trim() || null,
        logicalSectorSize: Number(raw['log-sec'] ?? 512),
        parents: [],
        children: [],
      };
      byPath.set(raw.path, dev);
    }
    if (parent && !dev.parents.includes(parent)) {
      dev.parents.push(parent);
      parent.children.push(dev);
    }
    for (const c of raw.children ?? []) visit(c, dev);
  };
  for (const d of parseJson(out, lsblkSchema, 'lsblk').blockdevices) visit(d, undefined);
  return [...byPath.values()];
}

/** Every device below `dev` (partitions, volumes on them...), `dev` included. */
export function withDescendants(dev: BlockDevice): BlockDevice[] {
  const out = new Set<BlockDevice>([dev]);
  for (const d of out) for (const c of d.children) out.add(c);
  return [...out];
}

/** The whole disks under a device (itself when it is one). */
export function disksOf(dev: BlockDevice): BlockDevice[] {
  if (dev.parents.length === 0) return [dev];
  return [...new Set(dev.parents.flatMap(disksOf))];
}

/** `blkid` of one device: TYPE, UUID, LABEL, PARTUUID...; empty when it holds nothing blkid knows. */
export async function probeDevice(device: string): Promise<Record<string, string>> {
  const r = await tryRun('blkid', ['-c', '/dev/null', '-o', 'export', device]);
  if (r.code === null) throw new LifeboatError('E_COMMAND_FAILED', 'blkid is not installed', { hint: 'install util-linux' });
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export const sfdiskJsonSchema = z.object({ partitiontable: z.unknown() });

/** Devices in use as swap (from /proc/swaps). */
export async function activeSwaps(): Promise<string[]> {
  const text = await readFile('/proc/swaps', 'utf8').catch(() => '');
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

export { parseJson };
