import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LifeboatError } from '../core/index.js';
import { runCommand } from '../platform/exec/index.js';
import { type SystemLayout, partitionTableSchema } from './layout.js';
import { describeRestorePlan, planSystemRestore } from './restore-plan.js';

const MiB = 1024 * 1024;

async function sfdisk(args: string[], input?: string): Promise<string> {
  const r = await runCommand('sfdisk', args, { input });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.toString();
}

/** A disk image partitioned the way installers do (GPT: BIOS boot, EFI system, root, swap), as sfdisk --json reads it back. */
async function gptImage(dir: string, size: number): Promise<string> {
  const file = join(dir, 'source.img');
  await truncate(file, size).catch(async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, '');
    await truncate(file, size);
  });
  await sfdisk(
    ['--quiet', file],
    [
      'label: gpt',
      'label-id: 6A5F0C6E-2D9B-4B0C-9A53-6B2F7E0C1D11',
      'size=1MiB, type=21686148-6449-6E6F-744E-656564454649',
      'size=64MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System"',
      'size=32MiB, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name=swap',
      'type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root',
    ].join('\n'),
  );
  return file;
}

function layoutOf(disk: string, size: number, tableJson: string): SystemLayout {
  const table = partitionTableSchema.parse((JSON.parse(tableJson) as { partitiontable: unknown }).partitiontable);
  const fs = (n: number, type: string, uuid: string, mountpoint: string | null, label: string | null = null): SystemLayout['filesystems'][number] => ({
    device: `${disk}${n}`,
    disk,
    partition: n,
    type,
    uuid,
    label,
    mountpoint,
    options: mountpoint ? 'rw,relatime' : null,
    backedUp: mountpoint !== null,
    ext: type === 'ext4' ? { features: ['has_journal', 'extent', '64bit', 'metadata_csum'], blockSize: 4096, inodeSize: 256 } : null,
  });
  return {
    schema: 'lifeboat-system-layout',
    schemaVersion: 1,
    capturedAt: '2026-12-04T10:00:00.000Z',
    host: 'fe01',
    root: '/',
    disks: [{ path: disk, size, sectorSize: 512, model: 'QEMU HARDDISK', table, dump: null }],
    filesystems: [fs(4, 'ext4', '5c0b7e0e-3f1d-4a8e-9a57-7a1d2b3c4d5e', '/', 'root'), fs(2, 'vfat', 'A1B2-C3D4', '/boot/efi'), fs(3, 'swap', '0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e', null)],
    lvm: null,
    md: null,
    fstab: 'UUID=5c0b7e0e-3f1d-4a8e-9a57-7a1d2b3c4d5e / ext4 errors=remount-ro 0 1\n',
    bootLoader: { type: 'efi', disk, efiDirectory: '/boot/efi', detail: '' },
    kernelCommandLine: 'BOOT_IMAGE=/boot/vmlinuz root=UUID=5c0b7e0e-3f1d-4a8e-9a57-7a1d2b3c4d5e ro quiet',
    network: { files: {}, addresses: null },
    warnings: [],
  };
}

test('restore plan: the table sfdisk writes from it is the recorded one, the last partition grown to the end of a larger disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-plan-'));
  try {
    const source = await gptImage(dir, 256 * MiB);
    const recorded = await sfdisk(['--json', source]);
    const layout = layoutOf('/dev/sda', 256 * MiB, recorded);
    const target = join(dir, 'target.img');
    await truncate(target, 0).catch(() => undefined);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(target, '');
    await truncate(target, 512 * MiB);
    const plan = planSystemRestore(layout, { path: target, size: 512 * MiB, sectorSize: 512 });
    await sfdisk(['--quiet', '--no-reread', target], plan.table);
    const before = partitionTableSchema.parse((JSON.parse(recorded) as { partitiontable: unknown }).partitiontable);
    const after = partitionTableSchema.parse((JSON.parse(await sfdisk(['--json', target])) as { partitiontable: unknown }).partitiontable);
    assert.equal(after.id, before.id);
    assert.equal(after.partitions.length, 4);
    for (const [i, p] of after.partitions.entries()) {
      const q = before.partitions[i]!;
      assert.equal(p.start, q.start);
      assert.equal(p.type, q.type);
      assert.equal(p.uuid, q.uuid);
      assert.equal(p.name, q.name);
      if (i < 3) assert.equal(p.size, q.size);
    }
    const last = after.partitions[3]!;
    assert.ok(last.size > before.partitions[3]!.size + 200 * 2048, `last partition grown: ${last.size} sectors`);
    assert.ok((512 * MiB) / 512 - 33 - (last.start + last.size) < 2048, 'it ends in the last MiB before the backup GPT');
    assert.deepEqual(
      plan.partitions.find((p) => p.number === 4),
      { number: 4, device: `${target}4`, start: last.start, size: last.size, type: last.type, grown: true },
    );
    // filesystems keep UUID and label, mounted root first
    const root = plan.filesystems.find((f) => f.source.mountpoint === '/')!;
    assert.deepEqual(root.mkfs, [
      'mkfs.ext4',
      '-F',
      '-q',
      '-U',
      '5c0b7e0e-3f1d-4a8e-9a57-7a1d2b3c4d5e',
      '-L',
      'root',
      '-b',
      '4096',
      '-I',
      '256',
      '-O',
      'none,has_journal,extent,64bit,metadata_csum',
      `${target}4`,
    ]);
    assert.deepEqual(plan.filesystems.find((f) => f.source.type === 'vfat')!.mkfs, ['mkfs.vfat', '-i', 'A1B2C3D4', `${target}2`]);
    assert.deepEqual(plan.filesystems.find((f) => f.source.type === 'swap')!.mkfs, ['mkswap', '-U', '0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e', `${target}3`]);
    assert.deepEqual(
      plan.mounts.map((m) => m.mountpoint),
      ['/', '/boot/efi'],
    );
    const text = describeRestorePlan(plan).join('\n');
    assert.match(text, new RegExp(`WIPE ${target}`));
    assert.match(text, /grown to the end of the disk/);

    // the same size: nothing grows
    const same = planSystemRestore(layout, { path: target, size: 256 * MiB, sectorSize: 512 });
    assert.equal(
      same.partitions.some((p) => p.grown),
      false,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('restore plan: a smaller disk is refused unless the partitions fit; another sector size is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-plan-'));
  try {
    const source = await gptImage(dir, 256 * MiB);
    const json = await sfdisk(['--json', source]);
    // the recorded disk was larger than its partitions need: a disk just big enough is accepted
    const layout = layoutOf('/dev/sda', 1024 * MiB, json);
    const fits = planSystemRestore(layout, { path: '/dev/loop9', size: 256 * MiB, sectorSize: 512 });
    assert.equal(fits.partitions.length, 4);
    assert.equal(fits.partitions[0]!.device, '/dev/loop9p1');
    assert.throws(
      () => planSystemRestore(layout, { path: '/dev/sdb', size: 128 * MiB, sectorSize: 512 }),
      (err: unknown) => err instanceof LifeboatError && err.code === 'E_DISK_TOO_SMALL' && /do not fit/.test(err.message) && /at least/.test(err.hint ?? ''),
    );
    assert.throws(
      () => planSystemRestore(layout, { path: '/dev/sdb', size: 1024 * MiB, sectorSize: 4096 }),
      (err: unknown) => err instanceof LifeboatError && /sector/.test(err.message),
    );
    assert.throws(
      () => planSystemRestore(layout, { path: '/dev/sdb', size: 1024 * MiB, sectorSize: 512 }, '/dev/sdz'),
      (err: unknown) => err instanceof LifeboatError && err.code === 'E_USAGE',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('restore plan: a logical partition at the end of a dos disk keeps its size (its extended partition would have to grow too)', () => {
  const table = partitionTableSchema.parse({
    label: 'dos',
    id: '0x439503de',
    device: '/dev/sda',
    unit: 'sectors',
    sectorsize: 512,
    partitions: [
      { node: '/dev/sda1', start: 2048, size: 39843840, type: '83', bootable: true },
      { node: '/dev/sda2', start: 39847934, size: 2093058, type: '5' },
      { node: '/dev/sda5', start: 39847936, size: 2093056, type: '82' },
    ],
  });
  const layout = layoutOf('/dev/sda', 21474836480, JSON.stringify({ partitiontable: table }));
  layout.filesystems = [
    { device: '/dev/sda1', disk: '/dev/sda', partition: 1, type: 'ext4', uuid: '9b21f807-1ac1-44a6-af11-87269108d426', label: null, mountpoint: '/', options: null, backedUp: true, ext: null },
    { device: '/dev/sda5', disk: '/dev/sda', partition: 5, type: 'swap', uuid: '0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e', label: null, mountpoint: null, options: null, backedUp: false, ext: null },
  ];
  const plan = planSystemRestore(layout, { path: '/dev/vdb', size: 2 * 21474836480, sectorSize: 512 });
  assert.deepEqual(
    plan.partitions.map((p) => [p.device, p.size, p.grown]),
    [
      ['/dev/vdb1', 39843840, false],
      ['/dev/vdb2', 2093058, false],
      ['/dev/vdb5', 2093056, false],
    ],
  );
  assert.match(plan.table, /^\/dev\/vdb1 : start=2048, size=39843840, type=83, bootable$/m);
  assert.match(plan.table, /^\/dev\/vdb5 : start=39847936, size=2093056, type=82$/m);
  assert.ok(plan.warnings.some((w) => /logical or extended partition: it keeps its size/.test(w)));
  assert.deepEqual(
    plan.filesystems.map((f) => f.mkfs[0]),
    ['mkfs.ext4', 'mkswap'],
  );
});
