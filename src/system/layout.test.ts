import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifeboatError } from '../core/index.js';
import { type SystemLayout, describeLayout, encodeLayout, parseLayout, partitionNumber, partitionPath } from './layout.js';

/** What sfdisk --json prints for a BIOS-GRUB server with a dos table (util-linux 2.38). */
const SFDISK_DOS = {
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
};

function layout(): SystemLayout {
  return {
    schema: 'lifeboat-system-layout',
    schemaVersion: 1,
    capturedAt: '2026-12-04T10:00:00.000Z',
    host: 'fe01',
    root: '/',
    disks: [{ path: '/dev/sda', size: 21474836480, sectorSize: 512, model: 'QEMU HARDDISK', table: SFDISK_DOS as SystemLayout['disks'][number]['table'], dump: 'label: dos\nlabel-id: 0x439503de\n' }],
    filesystems: [
      {
        device: '/dev/sda1',
        disk: '/dev/sda',
        partition: 1,
        type: 'ext4',
        uuid: '9b21f807-1ac1-44a6-af11-87269108d426',
        label: null,
        mountpoint: '/',
        options: 'rw,relatime,errors=remount-ro',
        backedUp: true,
        ext: { features: ['has_journal', 'extent'], blockSize: 4096, inodeSize: 256 },
      },
      { device: '/dev/sda5', disk: '/dev/sda', partition: 5, type: 'swap', uuid: '0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e', label: null, mountpoint: null, options: 'active', backedUp: false, ext: null },
    ],
    lvm: null,
    md: null,
    fstab: 'UUID=9b21f807-1ac1-44a6-af11-87269108d426 / ext4 errors=remount-ro 0 1\n',
    bootLoader: { type: 'bios-grub', disk: '/dev/sda', efiDirectory: null, detail: 'GRUB for BIOS' },
    kernelCommandLine: 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-50-amd64 root=UUID=9b21f807-1ac1-44a6-af11-87269108d426 ro quiet',
    network: { files: { '/etc/network/interfaces': 'auto ens3\niface ens3 inet dhcp\n' }, addresses: [{ ifname: 'ens3' }] },
    warnings: ['the last partition (/dev/sda5) is a logical partition'],
  };
}

test('layout: encoded and parsed back unchanged; described for people', () => {
  const l = layout();
  assert.deepEqual(parseLayout(encodeLayout(l), 'test'), l);
  const text = describeLayout(l);
  assert.match(text, /Disk \/dev\/sda: 21474836480 bytes, 512-byte sectors, QEMU HARDDISK/);
  assert.match(text, /\/dev\/sda1 {2}ext4 {2}UUID=9b21f807-1ac1-44a6-af11-87269108d426 {2}LABEL=- {2}\//);
  assert.match(text, /\/dev\/sda5 {2}swap .*\(not mounted\)/);
  assert.match(text, /Boot loader: bios-grub on \/dev\/sda/);
  assert.match(text, /Network: \/etc\/network\/interfaces:\n {4}auto ens3/);
  assert.match(text, /Needs manual work on restore:\n {2}- the last partition/);
});

test('layout: what system restore would act on is validated', () => {
  const bad = (mutate: (l: Record<string, unknown>) => void, pattern: RegExp): void => {
    const l = JSON.parse(encodeLayout(layout()).toString()) as Record<string, unknown>;
    mutate(l);
    assert.throws(
      () => parseLayout(JSON.stringify(l), 'snapshot 1234'),
      (err: unknown) => err instanceof LifeboatError && err.code === 'E_FORMAT' && pattern.test(err.message),
    );
  };
  bad((l) => ((l.disks as { table: { partitions: { type: string }[] } }[])[0]!.table.partitions[0]!.type = '83; rm -rf /'), /disks\.0\.table\.partitions\.0\.type/);
  bad((l) => ((l.disks as { table: { label: string } }[])[0]!.table.label = 'sun'), /table\.label/);
  bad((l) => ((l.disks as { table: { partitions: { start: number }[] } }[])[0]!.table.partitions[0]!.start = -1), /start/);
  bad((l) => ((l.filesystems as { ext: { features: string[] } }[])[0]!.ext.features = ['extent,^has_journal']), /features/);
  bad((l) => (l.schemaVersion = 2), /schemaVersion/);
  assert.throws(
    () => parseLayout('{', 'snapshot 1234'),
    (err: unknown) => err instanceof LifeboatError && /not JSON/.test(err.message),
  );
});

test('partition device names: sda1, nvme0n1p1, loop3p1', () => {
  assert.equal(partitionPath('/dev/sda', 1), '/dev/sda1');
  assert.equal(partitionPath('/dev/nvme0n1', 2), '/dev/nvme0n1p2');
  assert.equal(partitionPath('/dev/loop3', 1), '/dev/loop3p1');
  assert.equal(partitionNumber('/dev/nvme0n1p3'), 3);
  assert.equal(partitionNumber('/dev/sda5'), 5);
  assert.throws(() => partitionNumber('/dev/sda'), LifeboatError);
});
