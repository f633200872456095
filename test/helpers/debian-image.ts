/**
 * A small bootable Debian for the bare-metal test: a base system (debootstrap minbase, the stock
 * kernel, systemd, GRUB for BIOS) built once and kept as a tarball under the temporary directory,
 * named by a hash of everything that goes into it, so that a second run skips debootstrap. The
 * test unpacks it onto an ext4 root mounted by UUID, adds a systemd service that prints a marker
 * line on the serial console and powers off, and installs GRUB for BIOS on the disk.
 *
 * The build is two-stage so that the target is slimmed before any package is configured: dpkg
 * path filters keep documentation, manual pages, locales and the kernel modules a virtio guest
 * never loads out of the target, and the initramfs holds only the modules listed (virtio, ext4)
 * instead of most of them, which makes `update-initramfs` a matter of seconds.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.js';
import { unmountUnder } from './host-leftovers.js';

/** Runs a host command that must succeed; returns its output (a command that exits without reading its input is fine). */
export function sh(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString().slice(-2000)}`));
    });
    if (child.stdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

/** Attaches an image file to a new loop device with its partitions (losetup -P, then partx -u: no udev here). */
export async function attachLoop(file: string): Promise<string> {
  const loop = (await sh('losetup', ['--find', '--show', '--partscan', file])).trim();
  if (!/^\/dev\/loop\d+$/.test(loop)) throw new Error(`losetup printed ${loop}`);
  // measured here: --partscan alone leaves no partition devices; partx -u makes the kernel add them
  await run('partx', ['-u', loop]);
  return loop;
}

export async function detachLoop(loop: string): Promise<void> {
  await run('losetup', ['--detach', loop]);
}

/** The Debian mirror apt is configured with here (the only one reachable), else deb.debian.org. */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list', ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f)) : [])];
  for (const f of files.filter((x) => /\.(list|sources)$/.test(x) && existsSync(x))) {
    const text = readFileSync(f, 'utf8');
    const deb822 = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text);
    if (deb822) return deb822[1]!;
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+\w+/m.exec(text);
    if (oneLine) return oneLine[1]!;
  }
  return 'http://deb.debian.org/debian';
}

const SUITE = 'bookworm';
const PACKAGES = ['linux-image-amd64', 'systemd-sysv', 'udev', 'grub-pc-bin', 'grub2-common'];

/** Written into the target between the stages: dpkg leaves these paths out of every package it unpacks. */
const DPKG_FILTERS = [
  'path-exclude=/usr/share/doc/*',
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
  'path-exclude=/usr/share/lintian/*',
  // kernel modules a virtio guest without network, sound or USB never loads (the kernel package unpacks them under /lib)
  ...[
    'drivers/gpu',
    'drivers/net/wireless',
    'drivers/net/ethernet',
    'drivers/media',
    'drivers/infiniband',
    'drivers/staging',
    'drivers/bluetooth',
    'drivers/iio',
    'drivers/hid',
    'drivers/usb',
    'drivers/scsi',
    'drivers/isdn',
    'sound',
    'net',
    'fs',
  ].map((d) => `path-exclude=/lib/modules/*/kernel/${d}/*`),
  ...['fs/ext4', 'fs/jbd2', 'fs/autofs'].map((d) => `path-include=/lib/modules/*/kernel/${d}/*`),
  'path-include=/lib/modules/*/kernel/fs/mbcache.ko*',
  '',
].join('\n');

const INITRAMFS_CONF = 'MODULES=list\nCOMPRESS=zstd\n';
/** An initramfs hook: the modules the guest needs to mount its root, loaded whatever udev finds. */
const INITRAMFS_HOOK = ['#!/bin/sh', '[ "$1" = prereqs ] && exit 0', '. /usr/share/initramfs-tools/hook-functions', 'for m in virtio_pci virtio_blk ext4; do force_load "$m"; done', ''].join('\n');

/** Bumped when the way the base is built changes in a way the inputs above do not show. */
const RECIPE = 3;

/**
 * The path of the base system tarball (zstd), built on first use. Its name carries a hash of the
 * suite, mirror, packages, dpkg filters and initramfs settings: a change to any of them builds a
 * new one. Building takes minutes (the download dominates); unpacking a cached one, seconds.
 */
export async function debianBase(): Promise<string> {
  const mirror = debianMirror();
  const hash = createHash('sha256').update(JSON.stringify({ RECIPE, SUITE, mirror, PACKAGES, DPKG_FILTERS, INITRAMFS_CONF, INITRAMFS_HOOK })).digest('hex').slice(0, 16);
  const tarball = join(tmpdir(), `lifeboat-test-debian-${SUITE}-${hash}.tar.zst`);
  if (existsSync(tarball)) return tarball;

  const debs = join(tmpdir(), 'lifeboat-test-debootstrap-cache');
  await mkdir(debs, { recursive: true });
  const build = await mkdtemp(join(tmpdir(), 'lifeboat-test-debian-build-'));
  const root = join(build, 'root');
  try {
    await mkdir(root);
    await sh('debootstrap', ['--foreign', '--variant=minbase', `--cache-dir=${debs}`, `--include=${PACKAGES.join(',')}`, SUITE, root, mirror]);
    await mkdir(join(root, 'etc/dpkg/dpkg.cfg.d'), { recursive: true });
    await writeFile(join(root, 'etc/dpkg/dpkg.cfg.d/lifeboat-test-slim'), DPKG_FILTERS);
    // no fsync per file while the base is built (a crash only loses a cache entry): much faster on a busy disk
    await writeFile(join(root, 'etc/dpkg/dpkg.cfg.d/lifeboat-test-unsafe-io'), 'force-unsafe-io\n');
    await mkdir(join(root, 'etc/initramfs-tools/conf.d'), { recursive: true });
    await mkdir(join(root, 'etc/initramfs-tools/hooks'), { recursive: true });
    await writeFile(join(root, 'etc/initramfs-tools/conf.d/lifeboat-test'), INITRAMFS_CONF);
    await writeFile(join(root, 'etc/initramfs-tools/hooks/lifeboat-test'), INITRAMFS_HOOK);
    await chmod(join(root, 'etc/initramfs-tools/hooks/lifeboat-test'), 0o755);
    await sh('chroot', [root, '/debootstrap/debootstrap', '--second-stage']);
    await rm(join(root, 'etc/dpkg/dpkg.cfg.d/lifeboat-test-unsafe-io'));
    // what the first stage unpacked without dpkg's filters, and what debootstrap leaves behind
    for (const dir of ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/locale', 'var/cache/apt/archives', 'var/lib/apt/lists']) {
      for (const entry of readdirSync(join(root, dir))) {
        if (entry !== 'locale.alias' && !entry.endsWith('partial') && !entry.endsWith('lock')) await rm(join(root, dir, entry), { recursive: true, force: true });
      }
    }
    const partial = `${tarball}.${process.pid}.partial`;
    await sh('tar', ['-C', root, '--numeric-owner', '--xattrs', '--xattrs-include=*', '--acls', '--zstd', '-cf', partial, '.']);
    await rename(partial, tarball);
  } finally {
    // a second stage that was killed may leave its /proc and /sys mounted in the target
    await unmountUnder(build);
    await rm(build, { recursive: true, force: true });
  }
  return tarball;
}

export interface BuiltImage {
  uuid: string;
  /** The kernel command line GRUB boots. */
  cmdline: string;
}

/**
 * Installs the Debian base into `root` (the mounted ext4 filesystem `partition` of `disk`), with
 * `marker` in /etc/lifeboat-marker and a file whose owner, mode and hard-link count the marker
 * line reports, and installs GRUB for BIOS on `disk`.
 */
export async function installDebian(root: string, disk: string, partition: string, marker: string): Promise<BuiltImage> {
  const base = await debianBase();
  await sh('tar', ['-C', root, '--numeric-owner', '--xattrs', '--xattrs-include=*', '--acls', '--zstd', '-xf', base]);
  const uuid = (await sh('blkid', ['-c', '/dev/null', '-s', 'UUID', '-o', 'value', partition])).trim();
  const boot = readdirSync(join(root, 'boot'));
  const kernel = boot.find((f) => f.startsWith('vmlinuz-'));
  const initrd = boot.find((f) => f.startsWith('initrd.img-'));
  if (!kernel || !initrd) throw new Error(`no kernel or initrd in /boot: ${boot.join(' ')}`);
  await writeFile(join(root, 'etc/fstab'), `UUID=${uuid} / ext4 errors=remount-ro 0 1\n`);
  await writeFile(join(root, 'etc/hostname'), 'lifeboat-bm\n');
  await writeFile(join(root, 'etc/lifeboat-marker'), `${marker}\n`);
  // owners, modes and hard links the restore must keep: printed with the marker
  await mkdir(join(root, 'srv/data'), { recursive: true });
  await writeFile(join(root, 'srv/data/owned'), 'owned by 1234:2345, mode 640\n');
  await sh('chown', ['1234:2345', join(root, 'srv/data/owned')]);
  await sh('chmod', ['640', join(root, 'srv/data/owned')]);
  await sh('ln', [join(root, 'srv/data/owned'), join(root, 'srv/data/hardlink')]);
  // booted as the only unit (systemd.unit= below): after the root is checked and remounted from
  // fstab, print the marker and power off at once (no getty, network or timers to start and stop)
  await writeFile(
    join(root, 'etc/systemd/system/lifeboat-marker.service'),
    [
      '[Unit]',
      'Description=Print the Lifeboat test marker on the serial console and power off',
      'DefaultDependencies=no',
      'Requires=local-fs.target',
      'After=local-fs.target',
      '',
      '[Service]',
      'Type=oneshot',
      'ExecStart=/bin/sh -c \'echo "LIFEBOAT-MARKER $(cat /etc/lifeboat-marker) $(stat -c %%u:%%g:%%a:%%h /srv/data/owned) $(findmnt -n -o SOURCE,FSTYPE /)" > /dev/ttyS0\'',
      'ExecStartPost=/bin/systemctl --force poweroff',
      '',
    ].join('\n'),
  );
  const cmdline = `root=UUID=${uuid} ro console=ttyS0,115200 panic=-1 quiet systemd.unit=lifeboat-marker.service`;
  await mkdir(join(root, 'boot/grub'), { recursive: true });
  // written by hand: without udev on the build host update-grub would name a device path, not the UUID
  await writeFile(
    join(root, 'boot/grub/grub.cfg'),
    [
      'serial --unit=0 --speed=115200',
      'terminal_input serial console',
      'terminal_output serial console',
      'set timeout=0',
      'insmod part_msdos',
      'insmod ext2',
      `search --no-floppy --fs-uuid --set=root ${uuid}`,
      "menuentry 'Debian (Lifeboat bare-metal test)' {",
      `  linux /boot/${kernel} ${cmdline}`,
      `  initrd /boot/${initrd}`,
      '}',
      '',
    ].join('\n'),
  );
  await chrootGrubInstall(root, disk);
  return { uuid, cmdline };
}

async function chrootGrubInstall(root: string, disk: string): Promise<void> {
  const bound: string[] = [];
  try {
    for (const fs of ['dev', 'proc', 'sys']) {
      await sh('mount', ['--bind', `/${fs}`, join(root, fs)]);
      bound.push(join(root, fs));
    }
    await sh('chroot', [root, '/usr/sbin/grub-install', '--target=i386-pc', disk]);
  } finally {
    for (const dir of bound.reverse()) await run('umount', ['--lazy', dir]);
  }
}
