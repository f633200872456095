/**
 * Captures the layout of the machine (or of a mounted system) under a root and the paths a
 * `system` source backs up:
 *
 *   mounts under root (findmnt) → local block filesystems are backed up (one-file-system each);
 *   proc, sys, dev, run, tmpfs, cgroup and network filesystems are left out
 *   → their devices (lsblk) → disks (or the ones the plan names) → sfdisk --json / --dump per disk
 *   → every partition probed (blkid): swap and unmounted filesystems recorded, LVM and MD found
 *   → fstab, boot loader, kernel command line, network configuration
 *
 * Anything `system restore` cannot rebuild by itself becomes a warning saying what needs manual work.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, realpath } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LifeboatError } from '../core/index.js';
import { type BlockDevice, type Mount, activeSwaps, disksOf, listBlockDevices, listMounts, parseJson, probeDevice, sfdiskJsonSchema, tryRun, withDescendants } from './host-commands.js';
import { type LayoutDisk, type LayoutFilesystem, type SystemLayout, partitionNumber, partitionTableSchema } from './layout.js';

export interface CaptureRequest {
  /** The root of the system (default '/'). */
  root: string;
  /** Disks to record; default the disks under the backed-up filesystems. */
  disks?: string[];
  host: string;
  signal?: AbortSignal;
}

export interface CapturedSystem {
  layout: SystemLayout;
  /** The root and every local filesystem mounted under it, to back up with one-file-system. */
  paths: string[];
}

/** Filesystems that are never backed up: kernel interfaces, memory-backed and volatile ones. */
const PSEUDO = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'tmpfs',
  'ramfs',
  'cgroup',
  'cgroup2',
  'securityfs',
  'pstore',
  'efivarfs',
  'bpf',
  'debugfs',
  'tracefs',
  'configfs',
  'fusectl',
  'mqueue',
  'hugetlbfs',
  'autofs',
  'binfmt_misc',
  'rpc_pipefs',
  'nsfs',
  'nfsd',
  'overlay',
  'squashfs',
  'iso9660',
  'fuse.gvfsd-fuse',
  'fuse.portal',
  'selinuxfs',
]);
const NETWORK = /^(nfs4?|cifs|smb3|sshfs|fuse\.sshfs|glusterfs|ceph|9p|virtiofs|fuse\..*)$/;
/** GPT type of the BIOS boot partition (GRUB's core image lives there; it has no filesystem). */
const BIOS_BOOT_GPT = '21686148-6449-6E6F-744E-656564454649';
const ESP_TYPES = new Set(['C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 'ef']);
const SECRET_LINE = /(password|passwd|psk|secret|private[-_]?key|wep-key)/i;

function inside(root: string, path: string): boolean {
  return root === '/' ? path.startsWith('/') : path === root || path.startsWith(`${root}/`);
}

/** Path relative to the captured root, as it will be on the restored system ('/', '/boot'...). */
function underRoot(root: string, path: string): string {
  const rel = relative(root, path);
  return rel ? `/${rel}` : '/';
}

/** The mounts visible under root: the top one where several are stacked on one target. */
function visibleMounts(mounts: Mount[], root: string): Mount[] {
  const top = new Map<string, Mount>();
  for (const m of mounts) if (inside(root, m.target)) top.set(m.target, m);
  return [...top.values()];
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

async function extFeatures(device: string): Promise<LayoutFilesystem['ext']> {
  const r = await tryRun('tune2fs', ['-l', device]);
  if (r.code !== 0) return null;
  const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(r.stdout)?.[1]?.trim();
  const transient = new Set(['needs_recovery', 'orphan_present']);
  return {
    features: (field('Filesystem features') ?? '').split(/\s+/).filter((f) => /^\w+$/.test(f) && !transient.has(f)),
    blockSize: Number(field('Block size')) || null,
    inodeSize: Number(field('Inode size')) || null,
  };
}

async function networkFiles(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const add = async (rel: string): Promise<void> => {
    const text = await readOptional(join(root, rel));
    // the files themselves are in the backup; the layout copy leaves out lines with secrets
    if (text !== null)
      out[`/${rel}`] = text
        .split('\n')
        .map((l) => (SECRET_LINE.test(l) ? `${l.replace(/[:=].*$/, '')}: (left out; see the backed-up file)` : l))
        .join('\n');
  };
  await add('etc/network/interfaces');
  await add('etc/hostname');
  await add('etc/hosts');
  await add('etc/resolv.conf');
  for (const dir of ['etc/network/interfaces.d', 'etc/netplan', 'etc/systemd/network']) {
    const names = await readdir(join(root, dir)).catch(() => [] as string[]);
    for (const n of names.sort()) await add(`${dir}/${n}`);
  }
  return out;
}

function grubKernelLine(cfg: string | null): string | null {
  const m = cfg ? /^\s*linux\s+\S+\s+(.*)$/m.exec(cfg) : null;
  return m?.[1]?.trim() ?? null;
}

export async function captureLayout(req: CaptureRequest): Promise<CapturedSystem> {
  const root = await realpath(req.root).catch((err: unknown) => {
    throw new LifeboatError('E_NOT_FOUND', `system root ${req.root} cannot be read: ${(err as Error).message}`, { cause: err });
  });
  const warnings: string[] = [];
  const mounts = visibleMounts(await listMounts(), root);
  if (!mounts.some((m) => m.target === root)) {
    throw new LifeboatError('E_USAGE', `system root ${root} is not a mount point`, { hint: "give the mount point of the system's root filesystem (/ for this machine)" });
  }
  const devices = await listBlockDevices();
  const byMajMin = new Map(devices.map((d) => [d.majMin, d]));
  const byPath = new Map(devices.map((d) => [d.path, d]));

  const filesystems: LayoutFilesystem[] = [];
  const paths: string[] = [];
  const used = new Set<BlockDevice>();
  for (const m of mounts.sort((a, b) => a.target.length - b.target.length)) {
    if (PSEUDO.has(m.fstype) || m.fstype.startsWith('cgroup')) continue;
    if (NETWORK.test(m.fstype)) {
      warnings.push(`${underRoot(root, m.target)} is a ${m.fstype} network filesystem: not backed up; mount it again after the restore`);
      continue;
    }
    const dev = byMajMin.get(m.majMin) ?? byPath.get(m.source.replace(/\[.*\]$/, ''));
    if (!dev) {
      warnings.push(`${underRoot(root, m.target)} (${m.fstype} from ${m.source}) is on no block device lsblk lists: not backed up`);
      continue;
    }
    if (used.has(dev)) {
      // a second mount of the same filesystem (a bind mount): its files are in the first one
      continue;
    }
    used.add(dev);
    paths.push(m.target);
    const probe = await probeDevice(dev.path);
    const type = probe.TYPE ?? m.fstype;
    const isPart = dev.type === 'part' && dev.parents.length === 1;
    if (!isPart)
      warnings.push(
        `${underRoot(root, m.target)} is on ${dev.path} (${dev.type}): system restore recreates filesystems on partitions only; create this ${dev.type} volume by hand before restoring its files`,
      );
    filesystems.push({
      device: dev.path,
      disk: isPart ? dev.parents[0]!.path : null,
      partition: isPart ? partitionNumber(dev.path) : null,
      type,
      uuid: probe.UUID ?? null,
      label: probe.LABEL ?? null,
      mountpoint: underRoot(root, m.target),
      options: m.options,
      backedUp: true,
      ext: /^ext[234]$/.test(type) ? await extFeatures(dev.path) : null,
    });
  }

  const diskDevices = req.disks
    ? req.disks.map((p) => {
        const d = byPath.get(p);
        if (!d) throw new LifeboatError('E_NOT_FOUND', `disk ${p} is not a block device lsblk lists`, { hint: 'check the disk: of the system source (lsblk)' });
        return d;
      })
    : [...new Set([...used].flatMap(disksOf))];

  const swaps = new Set(await activeSwaps());
  const disks: LayoutDisk[] = [];
  let lvm = false;
  let md = false;
  for (const disk of diskDevices) {
    const json = await tryRun('sfdisk', ['--json', disk.path]);
    let table: LayoutDisk['table'] = null;
    if (json.code === 0) {
      const parsed = partitionTableSchema.safeParse(parseJson(json.stdout, sfdiskJsonSchema, 'sfdisk --json').partitiontable);
      if (parsed.success) table = parsed.data;
      else warnings.push(`${disk.path}: partition table sfdisk describes in a way this version does not read (${parsed.error.issues[0]?.message ?? ''}): recreate it by hand from layout.txt`);
    } else {
      warnings.push(`${disk.path}: no partition table sfdisk reads (${json.stderr.trim() || 'sfdisk missing'}): partition it by hand`);
    }
    const dump = await tryRun('sfdisk', ['--dump', disk.path]);
    disks.push({ path: disk.path, size: disk.size, sectorSize: table?.sectorsize ?? disk.logicalSectorSize, model: disk.model, table, dump: dump.code === 0 ? dump.stdout : null });
    for (const part of table?.partitions ?? []) {
      if (filesystems.some((f) => f.device === part.node)) continue;
      const probe = await probeDevice(part.node);
      const kind = probe.TYPE;
      if (kind === 'LVM2_member') lvm = true;
      else if (kind === 'linux_raid_member') md = true;
      else if (kind === 'swap') {
        filesystems.push({
          device: part.node,
          disk: disk.path,
          partition: partitionNumber(part.node),
          type: 'swap',
          uuid: probe.UUID ?? null,
          label: probe.LABEL ?? null,
          mountpoint: null,
          options: swaps.has(part.node) ? 'active' : null,
          backedUp: false,
          ext: null,
        });
      } else if (kind) {
        filesystems.push({
          device: part.node,
          disk: disk.path,
          partition: partitionNumber(part.node),
          type: kind,
          uuid: probe.UUID ?? null,
          label: probe.LABEL ?? null,
          mountpoint: null,
          options: null,
          backedUp: false,
          ext: null,
        });
        warnings.push(
          `${part.node} (${kind}${ESP_TYPES.has(part.type.toUpperCase()) || ESP_TYPES.has(part.type) ? ', EFI system partition' : ''}) is not mounted under ${root}: its files are not in the point; it is recreated empty`,
        );
      } else if (part.type.toUpperCase() !== BIOS_BOOT_GPT) {
        warnings.push(`${part.node} holds no filesystem blkid knows: recreated as an empty partition`);
      }
    }
  }
  for (const d of devices) {
    if (d.type === 'lvm') lvm = true;
    if (d.type.startsWith('raid')) md = true;
  }

  let lvmLayout: SystemLayout['lvm'] = null;
  if (lvm) {
    const [pvs, vgs, lvs] = await Promise.all([tryRun('pvs', ['-o', '+pv_uuid']), tryRun('vgs', ['-o', '+vg_uuid']), tryRun('lvs', ['-a', '-o', '+lv_uuid,devices'])]);
    if (pvs.code !== 0) warnings.push('LVM is in use but the LVM tools (pvs, vgs, lvs) are missing: the layout does not record its volumes');
    lvmLayout = { pvs: pvs.stdout, vgs: vgs.stdout, lvs: lvs.stdout };
    warnings.push(
      'LVM: system restore does not recreate physical volumes, volume groups and logical volumes; recreate them from layout.txt (and /etc/lvm/backup in the point, vgcfgrestore) before restoring',
    );
  }
  let mdLayout: string | null = null;
  if (md) {
    const scan = await tryRun('mdadm', ['--detail', '--scan', '--verbose']);
    if (scan.code !== 0) warnings.push('MD RAID is in use but mdadm is missing: the layout records only /proc/mdstat');
    mdLayout = `${scan.stdout}\n${(await readOptional('/proc/mdstat')) ?? ''}`;
    warnings.push('MD RAID: system restore does not recreate arrays; create them (mdadm --create with the recorded UUIDs) before restoring');
  }

  const fstab = await readOptional(join(root, 'etc/fstab'));
  if (fstab === null) warnings.push(`${root}/etc/fstab is missing: the restored system mounts only its root`);
  const esp = filesystems.find((f) => f.type === 'vfat' && f.mountpoint && /^\/(boot\/efi|efi|boot)$/.test(f.mountpoint) && existsSync(join(root, f.mountpoint, 'EFI')));
  const bootFs = filesystems.find((f) => f.mountpoint === '/boot') ?? filesystems.find((f) => f.mountpoint === '/');
  let bootLoader: SystemLayout['bootLoader'];
  if (esp) {
    bootLoader = { type: 'efi', disk: esp.disk, efiDirectory: esp.mountpoint, detail: `EFI system partition ${esp.device} mounted at ${esp.mountpoint}; its files are in the point` };
    warnings.push(
      'EFI: the EFI system partition is restored as files; register the boot entry on the new machine (efibootmgr, see docs/bare-metal.md) unless the firmware boots \\EFI\\BOOT\\BOOTX64.EFI',
    );
  } else if (existsSync(join(root, 'boot/grub/i386-pc'))) {
    bootLoader = { type: 'bios-grub', disk: bootFs?.disk ?? null, efiDirectory: null, detail: 'GRUB for BIOS (boot/grub/i386-pc); reinstalled with grub-install in the restored system' };
  } else {
    bootLoader = { type: 'unknown', disk: null, efiDirectory: null, detail: 'no GRUB for BIOS and no EFI system partition found' };
    warnings.push('boot loader not recognised (neither GRUB for BIOS nor EFI): install one by hand after the restore');
  }
  const kernelCommandLine = root === '/' ? ((await readOptional('/proc/cmdline'))?.trim() ?? null) : grubKernelLine(await readOptional(join(root, 'boot/grub/grub.cfg')));
  let addresses: unknown = null;
  if (root === '/') {
    const ip = await tryRun('ip', ['-json', 'address']);
    if (ip.code === 0) {
      try {
        addresses = JSON.parse(ip.stdout);
      } catch {
        addresses = null;
      }
    }
  }

  for (const d of diskDevices) {
    for (const dev of withDescendants(d)) {
      if (dev.type === 'crypt') warnings.push(`${dev.path} is an encrypted (dm-crypt) volume: recreate it with cryptsetup by hand before restoring`);
    }
  }

  return {
    layout: {
      schema: 'lifeboat-system-layout',
      schemaVersion: 1,
      capturedAt: new Date().toISOString(),
      host: req.host,
      root,
      disks,
      filesystems,
      lvm: lvmLayout,
      md: mdLayout,
      fstab,
      bootLoader,
      kernelCommandLine,
      network: { files: await networkFiles(root), addresses },
      warnings,
    },
    paths,
  };
}
