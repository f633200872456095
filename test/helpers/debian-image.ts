/**
 * A small bootable Debian for the bare-metal test, built on a loop device the test creates:
 * debootstrap (minbase, the stock kernel, GRUB for BIOS) on an ext4 root mounted by UUID, and a
 * systemd service that prints a marker line on the serial console and powers off. `bootImage`
 * starts QEMU on a disk image and returns the console output once the machine powered off.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './run.js';

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

export interface BuiltImage {
  uuid: string;
}

/**
 * Installs Debian into `root` (the mounted ext4 filesystem `partition` of `disk`), with `marker`
 * in /etc/lifeboat-marker, and installs GRUB for BIOS on `disk`.
 */
export async function installDebian(root: string, disk: string, partition: string, marker: string): Promise<BuiltImage> {
  const cache = join(tmpdir(), 'lifeboat-test-debootstrap-cache');
  await mkdir(cache, { recursive: true });
  await sh('debootstrap', [
    '--variant=minbase',
    `--cache-dir=${cache}`,
    '--include=linux-image-amd64,systemd-sysv,udev,grub-pc-bin,grub2-common',
    'bookworm',
    root,
    debianMirror(),
  ]);
  // the packages debootstrap leaves behind are not part of the system
  await sh('find', [join(root, 'var/cache/apt/archives'), '-name', '*.deb', '-delete']);
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
  await writeFile(
    join(root, 'etc/systemd/system/lifeboat-marker.service'),
    [
      '[Unit]',
      'Description=Print the Lifeboat test marker on the serial console and power off',
      'After=local-fs.target',
      '',
      '[Service]',
      'Type=oneshot',
      "ExecStart=/bin/sh -c 'echo \"LIFEBOAT-MARKER $(cat /etc/lifeboat-marker) $(stat -c %%u:%%g:%%a:%%h /srv/data/owned) $(findmnt -n -o SOURCE,FSTYPE /)\" > /dev/ttyS0'",
      'ExecStartPost=/bin/systemctl --no-block poweroff',
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n'),
  );
  await mkdir(join(root, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  await sh('ln', ['-sf', '/etc/systemd/system/lifeboat-marker.service', join(root, 'etc/systemd/system/multi-user.target.wants/lifeboat-marker.service')]);
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
      `  linux /boot/${kernel} root=UUID=${uuid} ro console=ttyS0,115200 panic=-1`,
      `  initrd /boot/${initrd}`,
      '}',
      '',
    ].join('\n'),
  );
  await chrootGrubInstall(root, disk);
  return { uuid };
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

/**
 * Boots a raw disk image under QEMU (KVM when it starts the kernel, else software emulation) and
 * returns the serial console output once the machine powers off, or throws after `timeoutMs`.
 */
export async function bootImage(file: string, timeoutMs: number): Promise<{ console: string; accel: string }> {
  const attempts = existsSync('/dev/kvm') ? ['kvm', 'tcg'] : ['tcg'];
  let last = '';
  for (const accel of attempts) {
    // KVM under nested virtualisation may hang before the kernel prints: give it a short time
    const limit = accel === 'kvm' ? Math.min(60_000, timeoutMs) : timeoutMs;
    const out = await qemu(file, accel, limit);
    if (out.poweredOff && /LIFEBOAT-MARKER/.test(out.console)) return { console: out.console, accel };
    last = `${accel}: ${out.poweredOff ? 'powered off without the marker' : `no power-off within ${limit / 1000} s`}\n${out.console.slice(-3000)}`;
  }
  throw new Error(`the image did not boot to its marker:\n${last}`);
}

function qemu(file: string, accel: string, timeoutMs: number): Promise<{ console: string; poweredOff: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'qemu-system-x86_64',
      ['-accel', accel, '-m', '768', '-smp', '1', '-nographic', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', '-drive', `file=${file},format=raw,if=virtio`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ console: Buffer.concat(chunks).toString('utf8'), poweredOff: !timedOut && code === 0 });
    });
  });
}
