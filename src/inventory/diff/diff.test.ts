import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { account, dbServer, host, makeDocument, pool, source } from '../testing/document-builder.js';
import { renderDiff } from '../reports/index.js';
import { diffInventories, diffIsEmpty } from './diff.js';

describe('inventory diff', () => {
  const before = makeDocument({
    pools: [pool('pool01.contoso.com'), pool('pool02.contoso.com')],
    accounts: [account('a'), account('b'), account('c', { homePool: null, homing: 'unassigned', homeRaw: null }), account('d', { attributes: { LineURI: 'tel:+1' } })],
    hosts: [host('fe01')],
    databaseServers: [dbServer()],
  });

  test('identical documents: nothing', () => {
    const d = diffInventories(before, structuredClone(before));
    assert.ok(diffIsEmpty(d));
    assert.match(renderDiff(d, 'text'), /0 added, 0 removed, 0 moved, 0 changed/);
  });

  test('added, removed, moved between pools, changed attributes; hosts, packages, services, databases', () => {
    const h = host('fe01');
    h.packages = [
      { manager: 'dpkg', name: 'bash', version: '5.2.21-1', arch: 'amd64' },
      { manager: 'dpkg', name: 'restic', version: '0.14', arch: 'amd64' },
    ];
    h.services = [{ name: 'ssh.service', state: 'inactive/dead', enablement: 'disabled' }];
    const db = dbServer();
    db.version = '16.1';
    db.databases = [
      { ...db.databases[0]!, owner: 'newowner', extensions: [] },
      { name: 'new', owner: 'x', encoding: 'UTF8', collation: null, sizeBytes: 1, extensions: [] },
    ];
    const after = makeDocument({
      collectedAt: '2026-02-01T00:00:00.000Z',
      pools: [pool('pool02.contoso.com'), pool('pool03.contoso.com')],
      accounts: [
        account('a', { homePool: 'pool02.contoso.com', homeRaw: 'CN=…1:2' }),
        account('c', { homePool: null, homing: 'unassigned', homeRaw: null, enabled: false }),
        account('d', { attributes: { LineURI: 'tel:+2', VoicePolicy: 'Intl' } }),
        account('e', { homePool: 'pool03.contoso.com' }),
      ],
      hosts: [h, host('fe02')],
      databaseServers: [db],
    });
    const d = diffInventories(before, after);
    assert.deepEqual(
      d.accounts.added.map((x) => x.id),
      ['e'],
    );
    assert.deepEqual(
      d.accounts.removed.map((x) => x.id),
      ['b'],
    );
    assert.deepEqual(
      d.accounts.moved.map((x) => [x.id, x.fromPool, x.toPool]),
      [['a', 'pool01.contoso.com', 'pool02.contoso.com']],
    );
    assert.deepEqual(
      d.accounts.changed.map((x) => [x.id, x.changes]),
      [
        ['c', [{ field: 'enabled', from: true, to: false }]],
        [
          'd',
          [
            { field: 'attributes.LineURI', from: 'tel:+1', to: 'tel:+2' },
            { field: 'attributes.VoicePolicy', from: null, to: 'Intl' },
          ],
        ],
      ],
    );
    assert.deepEqual(d.poolCounts, [
      { pool: 'pool01.contoso.com', from: 3, to: 1 },
      { pool: 'pool02.contoso.com', from: 0, to: 1 },
      { pool: 'pool03.contoso.com', from: 0, to: 1 },
    ]);
    assert.deepEqual(d.pools, { added: ['pool03.contoso.com'], removed: ['pool01.contoso.com'], changed: [] });
    assert.deepEqual(d.hosts.added, ['fe02']);
    const hd = d.hosts.changed[0]!;
    assert.deepEqual(hd.packagesAdded, [{ name: 'restic:amd64', version: '0.14' }]);
    assert.deepEqual(hd.packagesRemoved, [{ name: 'openssh-server:amd64', version: '1:9.2p1-2' }]);
    assert.deepEqual(hd.packagesChanged, [{ name: 'bash:amd64', from: '5.2.15-2', to: '5.2.21-1' }]);
    assert.deepEqual(hd.servicesChanged, [{ name: 'ssh.service', from: 'active/running (enabled)', to: 'inactive/dead (disabled)' }]);
    const dd = d.databaseServers.changed[0]!;
    assert.deepEqual(dd.changes, [{ field: 'version', from: '15.4', to: '16.1' }]);
    assert.deepEqual(dd.databasesAdded, ['new']);
    assert.deepEqual(
      dd.databasesChanged[0]!.changes.map((c) => c.field),
      ['owner', 'extensions'],
    );

    const text = renderDiff(d, 'text');
    assert.match(text, /~ User a \[ad:a\]: pool01\.contoso\.com → pool02\.contoso\.com/);
    assert.match(text, /\+ User e \[ad:e\] on pool03\.contoso\.com/);
    assert.match(text, /~ package bash:amd64 5\.2\.15-2 → 5\.2\.21-1/);
    const md = renderDiff(d, 'md');
    assert.match(md, /\| User a \| ad \| a \| pool01\.contoso\.com \| pool02\.contoso\.com \|/);
    assert.match(md, /\| 127\.0\.0\.1:5432 \| version \| 15\.4 → 16\.1 \|/);
    assert.deepEqual(JSON.parse(renderDiff(d, 'json')), JSON.parse(JSON.stringify(d)));
  });

  test('a source that failed in either document is flagged (its removals may not be real)', () => {
    const after = makeDocument({ sources: [source('ad', { status: 'failed', errors: ['timeout'] })] });
    const d = diffInventories(before, after);
    assert.deepEqual(d.incompleteSources, ['ad']);
    assert.match(renderDiff(d, 'text'), /removals may not be real/);
  });
});

test('a home DN that differs only in case or spacing is not a change', async () => {
  const { makeDocument, account } = await import('../testing/document-builder.js');
  const a = makeDocument({ accounts: [account('u1', { homePool: 'pool01.x.com', homeRaw: 'CN=Lc Services,CN=1:1,DC=x' })] });
  const b = makeDocument({ accounts: [account('u1', { homePool: 'pool01.x.com', homeRaw: 'cn=Lc Services, cn=1:1,dc=x' })] });
  assert.deepEqual(diffInventories(a, b).accounts.changed, []);
  const c = makeDocument({ accounts: [account('u1', { homePool: 'pool01.x.com', homeRaw: 'cn=Lc Services,cn=1:2,dc=x' })] });
  assert.equal(diffInventories(a, c).accounts.changed.length, 1);
});
