/**
 * `system restore` on loop devices without booting (the boot is test/e2e/bare-metal.test.ts):
 * a small GPT disk with two filesystems (ext4 root, ext4 /srv mounted under it) and a swap
 * partition is captured by `point create`, then restored onto a larger blank loop device: the
 * same partition table with the last partition grown, the same UUIDs and labels, every file with
 * its owner, mode, extended attribute and hard link. Only loop devices this test attached are written.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { attachLoop, detachLoop, sh } from '../helpers/debian-image.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

const MiB = 1024 * 1024;

describe('system restore onto loop devices', { timeout: 10 * 60_000 }, () => {
  let work: string;
  let plan: string;
  const loops: string[] = [];
  const mounts: string[] = [];
  const uuid: Record<string, string> = {};

  async function blank(name: string, size: number): Promise<string> {
    const file = join(work, name);
    await writeFile(file, '');
    await truncate(file, size);
    const l = await attachLoop(file);
    loops.push(l);
    return l;
  }
  async function mount(device: string, dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    await sh('mount', [device, dir]);
    mounts.push(dir);
  }
  async function unmountAll(): Promise<void> {
    for (const dir of mounts.splice(0).reverse()) await sh('umount', [dir]);
  }
  const blkid = async (dev: string, tag: string): Promise<string> => (await sh('blkid', ['-c', '/dev/null', '-s', tag, '-o', 'value', dev])).trim();

  before(async () => {
    work = await makeTempDir('lifeboat-sysrestore-');
    const disk = await blank('server.img', 160 * MiB);
    await sh('sfdisk', ['--quiet', disk], 'label: gpt\nsize=64MiB, type=linux, name=root\nsize=16MiB, type=swap\ntype=linux, name=srv\n');
    await sh('partx', ['-u', disk]);
    await sh('mkfs.ext4', ['-q', '-L', 'sysroot', `${disk}p1`]);
    await sh('mkswap', ['-L', 'sysswap', `${disk}p2`]);
    await sh('mkfs.ext4', ['-q', '-L', 'srvdata', `${disk}p3`]);
    for (const p of ['p1', 'p2', 'p3']) uuid[p] = await blkid(`${disk}${p}`, 'UUID');
    const root = join(work, 'server');
    await mount(`${disk}p1`, root);
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/fstab'), `UUID=${uuid.p1} / ext4 defaults 0 1\nUUID=${uuid.p3} /srv ext4 defaults 0 2\nUUID=${uuid.p2} none swap sw 0 0\n`);
    await mount(`${disk}p3`, join(root, 'srv'));
    writeFileSync(join(root, 'srv/owned'), 'data\n');
    await sh('chown', ['1234:2345', join(root, 'srv/owned')]);
    await sh('chmod', ['640', join(root, 'srv/owned')]);
    await sh('ln', [join(root, 'srv/owned'), join(root, 'srv/hardlink')]);
    await sh('setfattr', ['-n', 'user.lifeboat', '-v', 'kept', join(root, 'srv/owned')]);
    // a tmpfs under the root: left out, its mount point kept
    mkdirSync(join(root, 'run'));
    await sh('mount', ['-t', 'tmpfs', 'lifeboat-test', join(root, 'run')]);
    mounts.push(join(root, 'run'));
    writeFileSync(join(root, 'run/volatile'), 'not backed up');

    const repo = join(work, 'repo');
    writeFileSync(join(work, 'repo.pw'), TEST_PASSWORD, { mode: 0o600 });
    plan = join(work, 'lifeboat.yaml');
    writeFileSync(plan, `repository: ${repo}\npasswordFile: repo.pw\nsources:\n  - name: server\n    system: { root: ${root} }\n`);
    await lifeboatOk(repo, ['init']);
    const created = await lifeboat(undefined, ['point', 'create', '-c', plan, '--name', 'p']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /boot loader not recognised/, 'what needs manual work is a warning');
    await unmountAll();
  });

  after(async () => {
    for (const dir of mounts.splice(0).reverse()) await run('umount', ['--lazy', dir]);
    for (const l of loops.splice(0).reverse()) await detachLoop(l);
    if (!work) return;
    const still = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((t) => t === work || t.startsWith(`${work}/`));
    if (still.length) throw new Error(`still mounted, ${work} left in place: ${still.join(', ')}`);
    await rm(work, { recursive: true, force: true });
  });

  test('the dry run prints every step and writes nothing; a disk too small is refused', async () => {
    const disk = await blank('dry.img', 256 * MiB);
    const r = await lifeboat(undefined, ['system', 'restore', 'p', '-c', plan, '--disk', disk]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), new RegExp(`WIPE ${disk}`));
    assert.match(r.stdout.toString(), new RegExp(`create swap on ${disk}p2 \\(UUID ${uuid.p2}, label sysswap\\)`));
    assert.match(r.stdout.toString(), /mount .*p3 at \/srv/);
    assert.notEqual((await run('sfdisk', ['--json', disk])).code, 0, 'still no partition table');
    const small = await blank('small.img', 100 * MiB);
    const s = await lifeboat(undefined, ['system', 'restore', 'p', '-c', plan, '--disk', small, '--yes']);
    assert.equal(s.code, 1);
    assert.match(s.stderr, /do not fit/);
    assert.notEqual((await run('sfdisk', ['--json', small])).code, 0, 'still no partition table');
  });

  test('--yes: same table (last partition grown), same UUIDs and labels, files with owners, modes, xattrs and hard links', async () => {
    const disk = await blank('new.img', 256 * MiB);
    const r = await lifeboat(undefined, ['system', 'restore', 'p', '-c', plan, '--disk', disk, '--yes']);
    assert.equal(r.code, 0, r.stderr);
    const table = JSON.parse(await sh('sfdisk', ['--json', disk])) as { partitiontable: { label: string; partitions: { start: number; size: number; name?: string }[] } };
    assert.equal(table.partitiontable.label, 'gpt');
    const last = table.partitiontable.partitions[2]!;
    assert.equal(last.name, 'srv');
    assert.ok((256 * MiB) / 512 - 33 - (last.start + last.size) < 2048, 'the last partition ends at the end of the larger disk');
    assert.equal(await blkid(`${disk}p1`, 'UUID'), uuid.p1);
    assert.equal(await blkid(`${disk}p2`, 'UUID'), uuid.p2);
    assert.equal(await blkid(`${disk}p3`, 'UUID'), uuid.p3);
    assert.equal(await blkid(`${disk}p3`, 'LABEL'), 'srvdata');
    assert.equal(await blkid(`${disk}p2`, 'TYPE'), 'swap');
    const root = join(work, 'restored');
    await mount(`${disk}p1`, root);
    await mount(`${disk}p3`, join(root, 'srv'));
    try {
      const st = statSync(join(root, 'srv/owned'));
      assert.deepEqual([st.uid, st.gid, st.mode & 0o777, st.nlink], [1234, 2345, 0o640, 2]);
      assert.equal(statSync(join(root, 'srv/hardlink')).ino, st.ino);
      assert.equal(await sh('getfattr', ['--only-values', '-n', 'user.lifeboat', join(root, 'srv/owned')]), 'kept');
      assert.match(readFileSync(join(root, 'etc/fstab'), 'utf8'), new RegExp(uuid.p3!));
      assert.equal(statSync(join(root, 'run')).isDirectory(), true, 'the tmpfs mount point is kept');
      assert.throws(() => statSync(join(root, 'run/volatile')), 'the tmpfs content is not');
      const report = JSON.parse(readFileSync(join(root, 'var/log/lifeboat-system-restore.json'), 'utf8')) as { executed: boolean; done: string[] };
      assert.equal(report.executed, true);
      assert.ok(report.done.some((d) => /restored \d+ files/.test(d)));
    } finally {
      await unmountAll();
    }
  });

  test('a disk holding a mounted filesystem is refused and left as it was', async () => {
    const disk = await blank('busy.img', 256 * MiB);
    await sh('sfdisk', ['--quiet', disk], 'label: dos\nsize=32MiB, type=83\n');
    await sh('partx', ['-u', disk]);
    await sh('mkfs.ext4', ['-q', `${disk}p1`]);
    const dir = join(work, 'busy');
    await mount(`${disk}p1`, dir);
    writeFileSync(join(dir, 'keep'), 'still here');
    try {
      const r = await lifeboat(undefined, ['system', 'restore', 'p', '-c', plan, '--disk', disk, '--yes']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /is in use: .*is mounted at/);
      assert.equal(readFileSync(join(dir, 'keep'), 'utf8'), 'still here');
    } finally {
      await unmountAll();
    }
  });
});
