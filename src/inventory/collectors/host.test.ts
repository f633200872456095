/** The host collector on this machine, and with every tool missing (warnings, not failure). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { projectRoot } from '../../../test/helpers/paths.js';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { collectInventory } from '../collect.js';
import { assertMatchesPublishedSchema } from '../testing/json-schema-check.js';
import { parseCrontab, parseDf, parseProcRoute, parseSs } from './host.js';

describe('host collector', { timeout: 60_000 }, () => {
  test('reads this machine', async () => {
    const doc = await collectInventory([{ type: 'host' }]);
    const h = doc.hosts[0]!;
    assert.equal(doc.sources[0]!.status, 'ok', JSON.stringify(doc.sources[0]!.errors));
    assert.equal(h.hostname, os.hostname());
    assert.equal(h.cpu.count, os.cpus().length);
    assert.equal(h.memory.totalBytes, os.totalmem());
    assert.equal(h.kernel.release, os.release());
    assert.ok(h.os.id, 'os-release ID');
    assert.ok(h.users.some((u) => u.name === 'root' && u.uid === 0));
    assert.ok(h.groups.some((g) => g.name === 'root' && g.gid === 0));
    assert.ok(h.interfaces.some((i) => i.addresses.some((a) => a.address === '127.0.0.1')));
    // Debian: dpkg is always there, and so is bash
    assert.ok(h.packages.some((p) => p.manager === 'dpkg' && p.name === 'bash'));
    assert.ok(
      h.filesystems.some((f) => f.mountpoint === '/'),
      JSON.stringify(h.filesystems),
    );
    const json = JSON.stringify(doc);
    assert.ok(!json.includes('$6$') && !json.includes('$y$'), 'no shadow hashes');
    assertMatchesPublishedSchema(JSON.parse(json), projectRoot);
  });

  test('a machine without the tools: warnings, the rest still read', async () => {
    await withTempDir(async (empty) => {
      const doc = await collectInventory([{ type: 'host' }], { env: { PATH: empty } });
      const src = doc.sources[0]!;
      assert.equal(src.status, 'ok');
      for (const t of ['df', 'lsblk', 'ss', 'systemctl'])
        assert.ok(
          src.warnings.some((w) => w.includes(`${t} is not installed`)),
          `${t}: ${src.warnings.join('\n')}`,
        );
      assert.ok(src.warnings.some((w) => w.includes('neither dpkg nor rpm')));
      const h = doc.hosts[0]!;
      assert.equal(h.packages.length, 0);
      assert.ok(h.users.length > 0);
      assert.ok(h.routes.length > 0 || !(await import('node:fs')).existsSync('/proc/net/route'));
    });
  });

  test('parsers: df, ss, /proc/net/route, crontabs with secrets redacted', () => {
    assert.deepEqual(parseDf('Filesystem Type 1-blocks Used Available Capacity Mounted on\n/dev/sda1 ext4 1000 400 600 40% /mnt/my disk\n'), [
      { device: '/dev/sda1', type: 'ext4', mountpoint: '/mnt/my disk', sizeBytes: 1000, usedBytes: 400, availableBytes: 600 },
    ]);
    assert.deepEqual(parseSs('tcp   LISTEN 0      4096       127.0.0.1:5432       0.0.0.0:*    users:(("postgres",pid=9,fd=5))\nudp UNCONN 0 0 [::1]%lo:323 [::]:*\n'), [
      { protocol: 'tcp', address: '127.0.0.1', port: 5432, process: 'postgres' },
      { protocol: 'udp', address: '::1', port: 323, process: null },
    ]);
    assert.deepEqual(
      parseProcRoute('Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nETH0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\neth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n'),
      [
        { destination: 'default', gateway: '192.168.2.1', device: 'ETH0', family: 'IPv4' },
        { destination: '192.168.2.0/24', gateway: null, device: 'eth0', family: 'IPv4' },
      ],
    );
    const cron = parseCrontab(
      'SHELL=/bin/sh\nPGPASSWORD=topsecret\n# comment\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n@daily backup pg_dump "postgres://u:pw1@db/x" --password=pw2 | mysql -uroot -ppw3 x\n',
      '/etc/crontab',
      null,
    );
    assert.equal(cron.length, 2);
    assert.deepEqual(cron[0], { file: '/etc/crontab', user: 'root', schedule: '17 * * * *', command: 'cd / && run-parts --report /etc/cron.hourly' });
    assert.equal(cron[1]!.user, 'backup');
    for (const s of ['topsecret', 'pw1', 'pw2', 'pw3']) assert.ok(!JSON.stringify(cron).includes(s), s);
  });
});
