/**
 * The machine layout a `system` source records in its point (`layout.json`, with `layout.txt`
 * beside it for people): disks and their partition tables (sfdisk's JSON), filesystems with type,
 * UUID, label and mount options, swap, LVM and MD RAID as found, /etc/fstab, the boot loader, the
 * kernel command line and the network configuration. Read back with `parseLayout`, which
 * validates every field `system restore` uses.
 */
import { z } from 'zod';
import { LifeboatError } from '../core/index.js';

export const LAYOUT_FILE = 'layout.json';
export const LAYOUT_TEXT_FILE = 'layout.txt';
export const LAYOUT_TAG = 'system-layout';

/** One partition as `sfdisk --json` prints it (fields we use validated, the rest kept). */
const partitionSchema = z
  .object({
    node: z.string().min(1),
    start: z.number().int().nonnegative(),
    size: z.number().int().positive(),
    type: z.string().regex(/^[\w-]+$/, 'a partition type code or GUID'),
    uuid: z
      .string()
      .regex(/^[\w-]+$/)
      .optional(),
    name: z.string().optional(),
    attrs: z.string().optional(),
    bootable: z.boolean().optional(),
  })
  .passthrough();

/** `sfdisk --json DISK`'s `partitiontable`. */
export const partitionTableSchema = z
  .object({
    label: z.enum(['dos', 'gpt']),
    id: z
      .string()
      .regex(/^[\w-]+$/)
      .optional(),
    device: z.string(),
    unit: z.literal('sectors'),
    firstlba: z.number().int().nonnegative().optional(),
    lastlba: z.number().int().nonnegative().optional(),
    sectorsize: z.number().int().positive().optional(),
    partitions: z.array(partitionSchema).default([]),
  })
  .passthrough();

const diskSchema = z.strictObject({
  path: z.string().min(1),
  /** Bytes. */
  size: z.number().int().positive(),
  sectorSize: z.number().int().positive(),
  model: z.string().nullable(),
  /** null when the disk has no partition table sfdisk reads. */
  table: partitionTableSchema.nullable(),
  /** `sfdisk --dump` text, for people. */
  dump: z.string().nullable(),
});

const ext4Schema = z.strictObject({
  features: z.array(z.string().regex(/^\w+$/)),
  blockSize: z.number().int().positive().nullable(),
  inodeSize: z.number().int().positive().nullable(),
});

const filesystemSchema = z.strictObject({
  device: z.string().min(1),
  /** Disk and partition number holding it; null for LVM volumes, MD arrays and whole disks. */
  disk: z.string().nullable(),
  partition: z.number().int().positive().nullable(),
  type: z.string().min(1),
  uuid: z.string().nullable(),
  label: z.string().nullable(),
  /** Where it is mounted, relative to the captured root ('/' for the root itself); null for swap and unmounted ones. */
  mountpoint: z.string().nullable(),
  options: z.string().nullable(),
  /** Backed up with the source's files (mounted under the root, local, not excluded). */
  backedUp: z.boolean(),
  ext: ext4Schema.nullable(),
});

export const BOOT_LOADERS = ['bios-grub', 'efi', 'unknown'] as const;

export const layoutSchema = z.strictObject({
  schema: z.literal('lifeboat-system-layout'),
  schemaVersion: z.literal(1),
  capturedAt: z.string(),
  host: z.string(),
  /** The root the source backed up (an absolute path; '/' for the running system). */
  root: z.string().startsWith('/'),
  disks: z.array(diskSchema),
  filesystems: z.array(filesystemSchema),
  lvm: z.strictObject({ pvs: z.string(), vgs: z.string(), lvs: z.string() }).nullable(),
  md: z.string().nullable(),
  fstab: z.string().nullable(),
  bootLoader: z.strictObject({
    type: z.enum(BOOT_LOADERS),
    /** The disk GRUB's boot code is installed on (BIOS). */
    disk: z.string().nullable(),
    /** Mount point of the EFI system partition, relative to the root. */
    efiDirectory: z.string().nullable(),
    detail: z.string(),
  }),
  kernelCommandLine: z.string().nullable(),
  network: z.strictObject({
    /** Configuration files (path relative to the root → content). */
    files: z.record(z.string(), z.string()),
    /** `ip -json address` of the running system; null when the root is not the running system. */
    addresses: z.unknown().nullable(),
  }),
  /** What will need manual work on restore. */
  warnings: z.array(z.string()),
});

export type SystemLayout = z.infer<typeof layoutSchema>;
export type LayoutDisk = z.infer<typeof diskSchema>;
export type LayoutFilesystem = z.infer<typeof filesystemSchema>;
export type PartitionTable = z.infer<typeof partitionTableSchema>;
export type LayoutPartition = z.infer<typeof partitionSchema>;

export function encodeLayout(l: SystemLayout): Buffer {
  return Buffer.from(`${JSON.stringify(l, null, 2)}\n`);
}

export function parseLayout(data: Buffer | string, where: string): SystemLayout {
  let json: unknown;
  try {
    json = JSON.parse(data.toString());
  } catch (err) {
    throw new LifeboatError('E_FORMAT', `${where}: the system layout is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const r = layoutSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new LifeboatError('E_FORMAT', `${where}: not a system layout this version reads: ${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}

/** The number at the end of a partition's device name (`/dev/sda2` → 2, `/dev/nvme0n1p3` → 3). */
export function partitionNumber(node: string): number {
  const m = /(\d+)$/.exec(node);
  if (!m) throw new LifeboatError('E_FORMAT', `partition ${node} has no number`);
  return Number(m[1]);
}

/** A partition's device name on `disk`: sda → sda1, loop3 / nvme0n1 → loop3p1. */
export function partitionPath(disk: string, n: number): string {
  return /\d$/.test(disk) ? `${disk}p${n}` : `${disk}${n}`;
}

/** The layout for people: what `layout.txt` holds. */
export function describeLayout(l: SystemLayout): string {
  const lines = [`System layout of ${l.host} (root ${l.root}), captured ${l.capturedAt}`, ''];
  for (const d of l.disks) {
    lines.push(`Disk ${d.path}: ${d.size} bytes, ${d.sectorSize}-byte sectors${d.model ? `, ${d.model}` : ''}`);
    lines.push(d.dump ? d.dump.trimEnd().replace(/^/gm, '    ') : '    no partition table');
    lines.push('');
  }
  lines.push('Filesystems:');
  for (const f of l.filesystems) {
    lines.push(
      `    ${f.device}  ${f.type}  UUID=${f.uuid ?? '-'}  LABEL=${f.label ?? '-'}  ${f.mountpoint ?? '(not mounted)'}${f.options ? `  (${f.options})` : ''}${f.backedUp ? '' : '  [not backed up]'}`,
    );
  }
  lines.push('', `Boot loader: ${l.bootLoader.type}${l.bootLoader.disk ? ` on ${l.bootLoader.disk}` : ''}: ${l.bootLoader.detail}`);
  if (l.kernelCommandLine) lines.push(`Kernel command line: ${l.kernelCommandLine}`);
  if (l.lvm) lines.push('', 'LVM physical volumes:', l.lvm.pvs.trimEnd(), 'LVM volume groups:', l.lvm.vgs.trimEnd(), 'LVM logical volumes:', l.lvm.lvs.trimEnd());
  if (l.md) lines.push('', 'MD RAID:', l.md.trimEnd());
  if (l.fstab) lines.push('', '/etc/fstab:', l.fstab.trimEnd().replace(/^/gm, '    '));
  for (const [path, text] of Object.entries(l.network.files)) lines.push('', `Network: ${path}:`, text.trimEnd().replace(/^/gm, '    '));
  if (l.warnings.length) lines.push('', 'Needs manual work on restore:', ...l.warnings.map((w) => `  - ${w}`));
  return `${lines.join('\n')}\n`;
}
