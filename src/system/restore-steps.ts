/**
 * The destructive steps of a bare-metal restore, run in order by the `system restore` use-case:
 *
 *   check the target disk (a whole disk, nothing on it mounted or used as swap)
 *   → sfdisk writes the table → partx -u (loop disks and hosts without udev get their
 *   partition devices) → mkfs with the recorded UUIDs and labels → mount them under a temporary
 *   directory → (the use-case restores the files) → grub-install in a chroot with /dev, /proc
 *   and /sys bound → unmount everything
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LifeboatError } from '../core/index.js';
import { activeSwaps, commandExists, listBlockDevices, listMounts, mustRun, tryRun, withDescendants } from './host-commands.js';
import type { SystemRestorePlan, TargetDisk } from './restore-plan.js';

/**
 * The target disk, after checking it is a whole disk that holds no mounted filesystem, no active
 * swap and no volume in use (LVM, MD, dm-crypt on top of it).
 */
export async function inspectTargetDisk(path: string): Promise<TargetDisk> {
  const devices = await listBlockDevices(path).catch((err: unknown) => {
    throw new LifeboatError('E_NOT_FOUND', `${path} is not a block device: ${(err as Error).message}`, { cause: err, hint: 'name the whole disk, as lsblk lists it' });
  });
  const disk = devices.find((d) => d.parents.length === 0);
  if (!disk) throw new LifeboatError('E_NOT_FOUND', `${path} is not a block device`, { hint: 'name the whole disk, as lsblk lists it' });
  if (disk.type !== 'disk' && disk.type !== 'loop') {
    throw new LifeboatError('E_USAGE', `${path} is a ${disk.type}, not a whole disk`, { hint: 'name the whole disk (/dev/sdb, not /dev/sdb1)' });
  }
  const below = withDescendants(disk);
  const majMins = new Set(below.map((d) => d.majMin));
  const paths = new Set(below.map((d) => d.path));
  const mounted = (await listMounts()).filter((m) => majMins.has(m.majMin) || paths.has(m.source.replace(/\[.*\]$/, '')));
  const swaps = (await activeSwaps()).filter((s) => paths.has(s));
  const volumes = below.filter((d) => d !== disk && d.type !== 'part');
  if (mounted.length || swaps.length || volumes.length) {
    const what = [...mounted.map((m) => `${m.source} is mounted at ${m.target}`), ...swaps.map((s) => `${s} is in use as swap`), ...volumes.map((v) => `${v.path} (${v.type}) is active on it`)];
    throw new LifeboatError('E_DISK_IN_USE', `${path} is in use: ${what.join('; ')}; refusing to wipe it`, {
      hint: 'check that this is the disk to overwrite; unmount its filesystems (umount, swapoff, vgchange -an) and run again',
    });
  }
  return { path: disk.path, size: disk.size, sectorSize: disk.logicalSectorSize };
}

async function waitForDevices(devices: string[], disk: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (devices.every((d) => existsSync(d))) return;
    if (i === 10) await tryRun('partx', ['-a', disk]);
    await sleep(100);
  }
  const missing = devices.filter((d) => !existsSync(d));
  throw new LifeboatError('E_COMMAND_FAILED', `the partitions ${missing.join(', ')} did not appear after writing the table of ${disk}`, {
    hint: `run partx -u ${disk} (attach loop files with losetup -P) and check that the kernel sees them (lsblk)`,
  });
}

/** Writes the partition table and waits until the kernel shows every partition. */
export async function writePartitionTable(plan: SystemRestorePlan, signal?: AbortSignal): Promise<void> {
  await mustRun('sfdisk', ['--wipe', 'always', '--wipe-partitions', 'always', '--no-reread', '--quiet', plan.target.path], { input: plan.table, signal });
  // the kernel creates no partition devices for loop disks by itself, and there may be no udev
  await tryRun('partx', ['-u', plan.target.path], { signal });
  await waitForDevices(
    plan.partitions.map((p) => p.device),
    plan.target.path,
  );
}

export async function makeFilesystems(plan: SystemRestorePlan, onStep: (text: string) => void, signal?: AbortSignal): Promise<void> {
  for (const f of plan.filesystems) {
    onStep(`creating ${f.source.type} on ${f.device}`);
    const [cmd, ...args] = f.mkfs;
    await mustRun(cmd!, args, { signal, timeoutMs: 30 * 60_000 });
  }
}

export interface MountedTarget {
  /** Where the restored root is mounted. */
  root: string;
  unmount: () => Promise<string[]>;
}

/** Mounts the new filesystems under a new temporary directory, root first. */
export async function mountTarget(plan: SystemRestorePlan, signal?: AbortSignal): Promise<MountedTarget> {
  const root = await mkdtemp(join(tmpdir(), 'lifeboat-system-'));
  const mounted: string[] = [];
  const unmount = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const dir of mounted.reverse()) {
      const r = await tryRun('umount', [dir]);
      if (r.code !== 0) problems.push(`umount ${dir}: ${r.stderr.trim()}`);
    }
    mounted.length = 0;
    if (!problems.length) await rmdir(root).catch(() => undefined);
    return problems;
  };
  try {
    for (const m of plan.mounts) {
      const dir = m.mountpoint === '/' ? root : join(root, m.mountpoint);
      await mkdir(dir, { recursive: true });
      await mustRun('mount', [m.device, dir], { signal });
      mounted.push(dir);
    }
  } catch (err) {
    await unmount();
    throw err;
  }
  return { root, unmount };
}

/**
 * Puts the boot loader back: GRUB for BIOS is reinstalled on the disk by the restored system's
 * own grub-install in a chroot (/dev, /proc, /sys bound); its grub.cfg, restored with the files,
 * is kept (the UUIDs it names are the same). Returns what was done, or throws.
 */
export async function installBootLoader(plan: SystemRestorePlan, root: string, signal?: AbortSignal): Promise<string> {
  if (plan.bootLoader.type !== 'bios-grub') {
    return plan.bootLoader.type === 'efi' ? `EFI system partition restored as files at ${plan.bootLoader.efiDirectory}; boot entry not registered` : 'no boot loader installed (not recognised)';
  }
  const disk = plan.target.path;
  const inChroot = ['usr/sbin/grub-install', 'sbin/grub-install'].some((p) => existsSync(join(root, p)));
  if (!inChroot) {
    if (!(await commandExists('grub-install'))) {
      throw new LifeboatError('E_COMMAND_FAILED', 'the restored system has no grub-install and neither has this machine', {
        hint: `install GRUB by hand: chroot into the restored system and run grub-install ${disk}`,
      });
    }
    await mustRun('grub-install', ['--target=i386-pc', `--boot-directory=${join(root, 'boot')}`, disk], { signal, timeoutMs: 10 * 60_000 });
    return `GRUB for BIOS installed on ${disk} by this machine's grub-install (the restored system has none)`;
  }
  const bound: string[] = [];
  try {
    for (const fs of ['dev', 'proc', 'sys']) {
      const dir = join(root, fs);
      await mkdir(dir, { recursive: true });
      await mustRun('mount', ['--bind', `/${fs}`, dir], { signal });
      bound.push(dir);
    }
    await mustRun('chroot', [root, 'grub-install', '--target=i386-pc', disk], { signal, timeoutMs: 10 * 60_000, env: { ...process.env, PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  } finally {
    for (const dir of bound.reverse()) await tryRun('umount', ['--lazy', dir]);
  }
  return `GRUB for BIOS installed on ${disk} (grub-install in the restored system; grub.cfg kept)`;
}
