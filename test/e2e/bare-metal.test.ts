/**
 * Bare-metal restore, end to end, with real disks and a real boot: a small Debian (debootstrap
 * minbase, the stock kernel, GRUB for BIOS, ext4 root mounted by UUID) is laid on a loop device,
 * boots under QEMU to its marker, is captured by `point create` as a `system` source, and is
 * destroyed; `system restore` rebuilds it on a blank, larger loop device, which boots to the same
 * marker. Also: the dry run touches nothing, a too-small disk and a disk with a mounted
 * filesystem are refused. Only loop devices this test attached are ever written, and the after
 * hook fails the file if a mount, loop device or QEMU of it is left on the host.
 *
 * The Debian base is built once per machine (test/helpers/build-debian-base.ts, run by
 * scripts/test.sh before the suite) and unpacked in seconds; with it, the file takes about three
 * minutes on a loaded two-core machine, most of it two boots under software emulation.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { attachLoop, detachLoop, installDebian, sh } from '../helpers/debian-image.js';
import { releaseUnder } from '../helpers/host-leftovers.js';
import { bootImage, killQemus, runningQemus } from '../helpers/qemu-boot.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

const MiB = 1024 * 1024;
const SOURCE_SIZE = 700 * MiB;
const LARGER_SIZE = 900 * MiB;
const BOOT_TIMEOUT_MS = 5 * 60_000;
const started = Date.now();

/** Progress on stderr with the time since the file started: where the minutes go when it is slow. */
function step(what: string): void {
  process.stderr.write(`# bare-metal ${((Date.now() - started) / 1000).toFixed(1)} s: ${what}\n`);
}

async function newDisk(file: string, size: number): Promise<void> {
  await writeFile(file, '');
  await truncate(file, size);
}

function digest(file: string, bytes: number): string {
  const buf = Buffer.alloc(bytes);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, bytes, 0);
  } finally {
    closeSync(fd);
  }
  return createHash('sha256').update(buf).digest('hex');
}

describe('system restore: a dead server rebuilt on a blank disk boots', { timeout: 15 * 60_000 }, () => {
  let work: string;
  const loops: string[] = [];
  const mounts: string[] = [];
  let plan: string;
  let marker: string;
  let uuid: string;
  let pointId: string;

  async function mount(device: string, dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    await sh('mount', [device, dir]);
    mounts.push(dir);
  }
  async function unmount(dir: string): Promise<void> {
    await sh('umount', [dir]);
    mounts.splice(mounts.indexOf(dir), 1);
  }
  async function loop(file: string): Promise<string> {
    const l = await attachLoop(file);
    loops.push(l);
    return l;
  }
  async function unloop(l: string): Promise<void> {
    await detachLoop(l);
    loops.splice(loops.indexOf(l), 1);
  }

  before(
    async () => {
      work = await makeTempDir('lifeboat-baremetal-');
      marker = randomBytes(8).toString('hex');
      // the server: one dos partition, bootable, ext4
      const source = join(work, 'server.img');
      await newDisk(source, SOURCE_SIZE);
      const disk = await loop(source);
      await sh('sfdisk', ['--quiet', disk], 'label: dos\nstart=2048, type=83, bootable\n');
      await sh('partx', ['-u', disk]);
      await sh('mkfs.ext4', ['-q', '-L', 'lbroot', `${disk}p1`]);
      const root = join(work, 'server');
      await mount(`${disk}p1`, root);
      ({ uuid } = await installDebian(root, disk, `${disk}p1`, marker));
      await unmount(root);
      await unloop(disk);
      step('image built');

      const booted = await bootImage(source, new RegExp(`LIFEBOAT-MARKER ${marker} 1234:2345:640:2 /dev/vda1\\s+ext4`), BOOT_TIMEOUT_MS);
      step(`image booted to its marker (${booted.accel}, ${(booted.ms / 1000).toFixed(1)} s)`);

      // the point: the server's disk attached again, its root mounted where the plan says
      const again = await loop(source);
      await mount(`${again}p1`, root);
      const repo = join(work, 'repo');
      writeFileSync(join(work, 'repo.pw'), TEST_PASSWORD, { mode: 0o600 });
      plan = join(work, 'lifeboat.yaml');
      writeFileSync(plan, `repository: ${repo}\npasswordFile: repo.pw\nhost: lifeboat-bm\nsources:\n  - name: server\n    system: { root: ${root}, disk: ${again} }\n`);
      await lifeboatOk(repo, ['init']);
      const created = await lifeboat(undefined, ['--json', 'point', 'create', '-c', plan, '--name', 'before-upgrade']);
      assert.equal(created.code, 0, created.stderr);
      const manifest = JSON.parse(created.stdout.toString().trim().split('\n').at(-1)!) as { id: string; sources: { kind: string; layout?: string }[]; proof: { ok: boolean } };
      assert.equal(manifest.proof.ok, true);
      assert.equal(manifest.sources[0]!.kind, 'system');
      pointId = manifest.id;
      step('point created');
      await unmount(root);
      await unloop(again);
      // the server is gone
      await rm(source);
    },
    { timeout: 12 * 60_000 },
  );

  /** Stops QEMU, unmounts and detaches what this file left (found from the kernel's tables); returns what is still there. */
  async function release(): Promise<{ left: string[]; qemus: number }> {
    const qemus = killQemus();
    for (let i = 0; i < 100 && runningQemus() > 0; i++) await new Promise((r) => setTimeout(r, 100));
    const left = work ? await releaseUnder(work) : [];
    if (runningQemus() > 0) left.push(`${runningQemus()} QEMU process(es)`);
    return { left, qemus };
  }

  // the runner ends a file that overruns its time limit with SIGTERM, and then no after hook runs
  const onTerm = (): void => {
    void release()
      .then(({ left }) => (work && !left.length ? rm(work, { recursive: true, force: true }) : undefined))
      .finally(() => process.exit(1));
  };
  process.once('SIGTERM', onTerm);

  after(
    async () => {
      process.off('SIGTERM', onTerm);
      const { left, qemus } = await release();
      if (!work) return;
      // never remove a tree something is still mounted in (a bound /dev would lose the host's nodes)
      if (left.length) throw new Error(`left on the host, ${work} kept: ${left.join(', ')}`);
      await rm(work, { recursive: true, force: true });
      step(`cleaned up${qemus ? ` (${qemus} QEMU stopped)` : ''}: no mount, loop device or QEMU left`);
    },
    { timeout: 120_000 },
  );

  test('the point records the layout for people and for system restore', async () => {
    const text = await lifeboatOk(undefined, ['system', 'layout', pointId, '-c', plan]);
    assert.match(text.stdout.toString(), new RegExp(`UUID=${uuid}`));
    assert.match(text.stdout.toString(), /label: dos/);
    assert.match(text.stdout.toString(), /Boot loader: bios-grub/);
    const json = JSON.parse((await lifeboatOk(undefined, ['--json', 'system', 'layout', pointId, '-c', plan])).stdout.toString()) as {
      filesystems: { uuid: string; label: string; mountpoint: string; type: string }[];
      fstab: string;
    };
    assert.deepEqual(
      json.filesystems.map((f) => [f.type, f.uuid, f.label, f.mountpoint]),
      [['ext4', uuid, 'lbroot', '/']],
    );
    assert.match(json.fstab, new RegExp(uuid));
  });

  test('without --yes the plan is printed and the disk is not touched', async () => {
    const file = join(work, 'blank-dry.img');
    await newDisk(file, LARGER_SIZE);
    writeFileSync(file, randomBytes(MiB), { flag: 'r+' });
    const before = digest(file, 4 * MiB);
    const disk = await loop(file);
    try {
      const r = await lifeboat(undefined, ['system', 'restore', pointId, '-c', plan, '--source', 'server', '--disk', disk]);
      assert.equal(r.code, 0, r.stderr);
      const out = r.stdout.toString();
      assert.match(out, new RegExp(`WIPE ${disk}`));
      assert.match(out, new RegExp(`${disk}p1: start 2048`));
      assert.match(out, new RegExp(`create ext4 on ${disk}p1 \\(UUID ${uuid}, label lbroot\\)`));
      assert.match(out, /nothing was changed; run again with --yes/);
    } finally {
      await unloop(disk);
    }
    assert.equal(digest(file, 4 * MiB), before, 'the dry run wrote nothing');
    await rm(file);
  });

  test('a disk too small for the partitions is refused, and so is a disk with a mounted filesystem', async () => {
    const small = join(work, 'small.img');
    await newDisk(small, 400 * MiB);
    const smallDisk = await loop(small);
    try {
      const r = await lifeboat(undefined, ['system', 'restore', pointId, '-c', plan, '--disk', smallDisk, '--yes']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /do not fit/);
      assert.equal((await run('sfdisk', ['--json', smallDisk])).code !== 0, true, 'no partition table was written');
    } finally {
      await unloop(smallDisk);
      await rm(small);
    }

    const busy = join(work, 'busy.img');
    await newDisk(busy, LARGER_SIZE);
    const busyDisk = await loop(busy);
    await sh('sfdisk', ['--quiet', busyDisk], 'label: dos\nstart=2048, size=64MiB, type=83\n');
    await sh('partx', ['-u', busyDisk]);
    await sh('mkfs.ext4', ['-q', `${busyDisk}p1`]);
    const dir = join(work, 'busy');
    await mount(`${busyDisk}p1`, dir);
    writeFileSync(join(dir, 'keep'), 'still here');
    try {
      const r = await lifeboat(undefined, ['system', 'restore', pointId, '-c', plan, '--disk', busyDisk, '--yes']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /is in use: .*mounted at/);
      assert.equal(readFileSync(join(dir, 'keep'), 'utf8'), 'still here');
    } finally {
      await unmount(dir);
      await unloop(busyDisk);
      await rm(busy);
    }
  });

  test('system restore --yes rebuilds the server on a larger blank disk, the last partition grown, and it boots to the marker', { timeout: 8 * 60_000 }, async () => {
    const file = join(work, 'new-disk.img');
    const size = LARGER_SIZE;
    await newDisk(file, size);
    const disk = await loop(file);
    try {
      const r = await lifeboat(undefined, ['system', 'restore', pointId, '-c', plan, '--source', 'server', '--disk', disk, '--yes']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.toString(), /restored system source server/);
      const table = JSON.parse(await sh('sfdisk', ['--json', disk])) as { partitiontable: { partitions: { start: number; size: number; bootable?: boolean }[] } };
      const p1 = table.partitiontable.partitions[0]!;
      assert.equal(p1.start, 2048);
      assert.equal(p1.bootable, true);
      assert.ok(size / 512 - (p1.start + p1.size) < 2048, `the partition grew to the end of the disk: ${p1.start}+${p1.size} of ${size / 512} sectors`);
      assert.equal((await sh('blkid', ['-c', '/dev/null', '-s', 'UUID', '-o', 'value', `${disk}p1`])).trim(), uuid);
      assert.equal((await sh('blkid', ['-c', '/dev/null', '-s', 'LABEL', '-o', 'value', `${disk}p1`])).trim(), 'lbroot');
      assert.equal((await run('findmnt', ['--source', `${disk}p1`])).code, 1, 'nothing of the new disk is left mounted');
      step('restored onto the larger disk');
    } finally {
      await unloop(disk);
    }
    // the restored server boots and prints the marker, owner, mode and link count written before the point
    const booted = await bootImage(file, new RegExp(`LIFEBOAT-MARKER ${marker} 1234:2345:640:2 /dev/vda1\\s+ext4`), BOOT_TIMEOUT_MS);
    step(`restored server booted to its marker (${booted.accel}, ${(booted.ms / 1000).toFixed(1)} s)`);
  });
});
