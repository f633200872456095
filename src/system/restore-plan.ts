/**
 * The plan of a bare-metal restore, computed from a recorded layout and the target disk before
 * anything is touched: the partition table to write (sfdisk's script, the last partition grown
 * to the end of a larger disk), the filesystems to create with their UUIDs and labels, where each
 * is mounted for the file restore, and how the boot loader is put back.
 */
import { LifeboatError } from '../core/index.js';
import { type LayoutDisk, type LayoutFilesystem, type LayoutPartition, type SystemLayout, partitionNumber, partitionPath } from './layout.js';

export interface TargetDisk {
  path: string;
  /** Bytes. */
  size: number;
  sectorSize: number;
}

export interface PlannedPartition {
  number: number;
  device: string;
  start: number;
  /** Sectors; for the grown partition, what it will be after growing. */
  size: number;
  type: string;
  grown: boolean;
}

export interface PlannedFilesystem {
  /** The recorded filesystem. */
  source: LayoutFilesystem;
  device: string;
  /** The command that creates it with the recorded UUID and label. */
  mkfs: string[];
}

export interface SystemRestorePlan {
  sourceDisk: LayoutDisk;
  target: TargetDisk;
  /** The sfdisk script that writes the partition table. */
  table: string;
  partitions: PlannedPartition[];
  filesystems: PlannedFilesystem[];
  /** Filesystems to mount for the file restore, root first, parents before children. */
  mounts: { device: string; mountpoint: string }[];
  bootLoader: { type: SystemLayout['bootLoader']['type']; disk: string | null; efiDirectory: string | null };
  warnings: string[];
}

/** Partition types that hold an extended partition's logical ones (dos). */
const EXTENDED = new Set(['5', 'f', '85']);
const GPT_BACKUP_SECTORS = 33;
const GRAIN_SECTORS = 2048;

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '')}"`;
}

function mkfsCommand(fs: LayoutFilesystem, device: string): string[] | undefined {
  const uuid = fs.uuid;
  const label = fs.label;
  if (/^ext[234]$/.test(fs.type)) {
    return [
      `mkfs.${fs.type}`,
      '-F',
      '-q',
      ...(uuid ? ['-U', uuid] : []),
      ...(label ? ['-L', label] : []),
      ...(fs.ext?.blockSize ? ['-b', String(fs.ext.blockSize)] : []),
      ...(fs.ext?.inodeSize ? ['-I', String(fs.ext.inodeSize)] : []),
      ...(fs.ext?.features.length ? ['-O', ['none', ...fs.ext.features].join(',')] : []),
      device,
    ];
  }
  switch (fs.type) {
    case 'vfat':
      return ['mkfs.vfat', ...(uuid ? ['-i', uuid.replace('-', '')] : []), ...(label ? ['-n', label] : []), device];
    case 'xfs':
      return ['mkfs.xfs', '-f', ...(uuid ? ['-m', `uuid=${uuid}`] : []), ...(label ? ['-L', label] : []), device];
    case 'btrfs':
      return ['mkfs.btrfs', '-f', ...(uuid ? ['-U', uuid] : []), ...(label ? ['-L', label] : []), device];
    case 'swap':
      return ['mkswap', ...(uuid ? ['-U', uuid] : []), ...(label ? ['-L', label] : []), device];
    default:
      return undefined;
  }
}

/**
 * Plans the restore of the layout's disk `fromDisk` (default: its only disk) onto `target`.
 * Refuses a disk with another sector size, and a smaller disk unless every partition fits.
 */
export function planSystemRestore(layout: SystemLayout, target: TargetDisk, fromDisk?: string): SystemRestorePlan {
  const warnings: string[] = [];
  const candidates = fromDisk ? layout.disks.filter((d) => d.path === fromDisk) : layout.disks;
  if (candidates.length !== 1) {
    throw new LifeboatError(
      'E_USAGE',
      fromDisk
        ? `the point recorded no disk ${fromDisk} (it has ${layout.disks.map((d) => d.path).join(', ') || 'none'})`
        : `the point recorded ${layout.disks.length} disks (${layout.disks.map((d) => d.path).join(', ')}): say which one to restore`,
      {
        hint: 'pass --from-disk with one of the recorded disks; restore the others in further runs',
      },
    );
  }
  const sourceDisk = candidates[0]!;
  if (layout.disks.length > 1) warnings.push(`only ${sourceDisk.path} is restored in this run; the point recorded ${layout.disks.length} disks`);
  const table = sourceDisk.table;
  if (!table)
    throw new LifeboatError('E_USAGE', `the point recorded no partition table for ${sourceDisk.path}`, {
      hint: 'partition the disk by hand (layout.txt in the point), then restore the files with lifeboat restore',
    });
  if (sourceDisk.sectorSize !== target.sectorSize) {
    throw new LifeboatError('E_USAGE', `${target.path} has ${target.sectorSize}-byte sectors, ${sourceDisk.path} had ${sourceDisk.sectorSize}-byte sectors: the partition table cannot be copied`, {
      hint: 'use a disk with the same sector size',
    });
  }
  const targetSectors = Math.floor(target.size / target.sectorSize);
  const reserved = table.label === 'gpt' ? GPT_BACKUP_SECTORS : 0;
  const parts = [...table.partitions].sort((a, b) => a.start - b.start);
  const end = (p: LayoutPartition): number => p.start + p.size;
  const needed = parts.reduce((m, p) => Math.max(m, end(p)), table.firstlba ?? 2048) + reserved;
  if (needed > targetSectors) {
    throw new LifeboatError('E_DISK_TOO_SMALL', `${target.path} has ${targetSectors} sectors (${target.size} bytes); the partitions of ${sourceDisk.path} end at sector ${needed}: they do not fit`, {
      hint: `use a disk of at least ${needed * target.sectorSize} bytes`,
    });
  }
  // grow the partition that ends last when the disk is larger (a primary or GPT one: growing a
  // logical partition would mean growing its extended partition too)
  const last = parts.at(-1);
  const growable = last && !EXTENDED.has(last.type) && (table.label === 'gpt' || partitionNumber(last.node) <= 4);
  // sfdisk ends a grown partition on a 1 MiB boundary before the end (and the backup GPT)
  const grownEnd = Math.floor((targetSectors - reserved) / GRAIN_SECTORS) * GRAIN_SECTORS;
  const grow = Boolean(growable && grownEnd > end(last));
  if (last && !growable && targetSectors > needed) warnings.push(`the last partition (${last.node}) is a logical or extended partition: it keeps its size; grow it by hand`);

  const lines = [`label: ${table.label}`];
  if (table.id) lines.push(`label-id: ${table.id}`);
  lines.push('unit: sectors');
  if (table.label === 'gpt' && table.firstlba !== undefined) lines.push(`first-lba: ${table.firstlba}`);
  lines.push(`sector-size: ${target.sectorSize}`, '');
  const partitions: PlannedPartition[] = [];
  for (const p of [...table.partitions].sort((a, b) => partitionNumber(a.node) - partitionNumber(b.node))) {
    const n = partitionNumber(p.node);
    const grown = grow && p === last;
    const fields = [`start=${p.start}`, ...(grown ? [] : [`size=${p.size}`]), `type=${p.type}`];
    if (p.uuid) fields.push(`uuid=${p.uuid}`);
    if (p.name) fields.push(`name=${quote(p.name)}`);
    if (p.attrs) fields.push(`attrs=${quote(p.attrs)}`);
    if (p.bootable) fields.push('bootable');
    const device = partitionPath(target.path, n);
    lines.push(`${device} : ${fields.join(', ')}`);
    partitions.push({ number: n, device, start: p.start, size: grown ? grownEnd - p.start : p.size, type: p.type, grown });
  }

  const filesystems: PlannedFilesystem[] = [];
  for (const fs of layout.filesystems) {
    if (fs.disk !== sourceDisk.path || fs.partition === null) continue;
    const planned = partitions.find((p) => p.number === fs.partition);
    if (!planned) continue;
    const mkfs = mkfsCommand(fs, planned.device);
    if (!mkfs) {
      warnings.push(
        `${fs.device}: ${fs.type} filesystems are not created by system restore: ${planned.device} is left empty${fs.mountpoint ? ` and the files of ${fs.mountpoint} go to the filesystem above it` : ''}; create it by hand`,
      );
      continue;
    }
    if (fs.type === 'btrfs') warnings.push(`${fs.device}: btrfs subvolumes are not recreated; the files are restored into the top-level subvolume`);
    filesystems.push({ source: fs, device: planned.device, mkfs });
  }
  for (const fs of layout.filesystems) {
    if (fs.backedUp && fs.disk !== sourceDisk.path)
      warnings.push(`${fs.mountpoint}: on ${fs.device}, not on ${sourceDisk.path}: its files are restored into the filesystem above it unless you mount its new filesystem there first`);
  }
  const mounts = filesystems
    .filter((f) => f.source.mountpoint && f.source.backedUp && f.source.type !== 'swap')
    .map((f) => ({ device: f.device, mountpoint: f.source.mountpoint! }))
    .sort((a, b) => (a.mountpoint === '/' ? -1 : b.mountpoint === '/' ? 1 : a.mountpoint.split('/').length - b.mountpoint.split('/').length || a.mountpoint.localeCompare(b.mountpoint)));
  if (!mounts.some((m) => m.mountpoint === '/'))
    throw new LifeboatError('E_USAGE', `the root filesystem of the point is not on ${sourceDisk.path}`, { hint: 'pass --from-disk with the disk that held the root filesystem' });

  const bl = layout.bootLoader;
  return {
    sourceDisk,
    target,
    table: `${lines.join('\n')}\n`,
    partitions,
    filesystems,
    mounts,
    bootLoader: { type: bl.type, disk: bl.type === 'bios-grub' ? target.path : null, efiDirectory: bl.efiDirectory },
    warnings: [...warnings, ...layout.warnings],
  };
}

/** The destructive steps of a plan, for people (what the dry run prints). */
export function describeRestorePlan(plan: SystemRestorePlan): string[] {
  const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  const table = plan.sourceDisk.table!;
  const out = [
    `WIPE ${plan.target.path} (${gib(plan.target.size)}): every partition and filesystem on it is destroyed`,
    `write a ${table.label} partition table (as ${plan.sourceDisk.path} had${table.id ? `, id ${table.id}` : ''}):`,
    ...plan.partitions.map((p) => `    ${p.device}: start ${p.start}, ${p.size} sectors (${gib(p.size * plan.target.sectorSize)}), type ${p.type}${p.grown ? ' — grown to the end of the disk' : ''}`),
    ...plan.filesystems.map((f) => `create ${f.source.type} on ${f.device} (UUID ${f.source.uuid ?? 'new'}${f.source.label ? `, label ${f.source.label}` : ''}): ${f.mkfs.join(' ')}`),
    ...plan.mounts.map((m) => `mount ${m.device} at ${m.mountpoint} and restore its files (owners, modes, xattrs, hard links)`),
    plan.bootLoader.type === 'bios-grub'
      ? `install GRUB for BIOS on ${plan.target.path} (grub-install in the restored system; grub.cfg kept)`
      : plan.bootLoader.type === 'efi'
        ? `EFI: the EFI system partition's files are restored; register the boot entry by hand`
        : 'boot loader: not recognised, install one by hand',
  ];
  return out;
}
