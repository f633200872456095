/**
 * The ldap collector against a real slapd on loopback (started here): a few thousand generated
 * accounts, a server size limit below the account count (only paging sees them all), LDAPS and
 * StartTLS with a private CA, anonymous and simple binds, the sfb, exchange and generic presets.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { projectRoot } from '../../../test/helpers/paths.js';
import { collectInventory } from '../collect.js';
import type { LdapSourceConfig } from '../config/index.js';
import { validateInventoryDocument, type InventoryDocument } from '../model/index.js';
import { type ExpectedAccount, ONLINE_LOCATOR, PASSWORD_MARKER, TOPOLOGY_POOLS, generatedAccount, topologyXml } from '../testing/directory-fixture.js';
import { assertMatchesPublishedSchema } from '../testing/json-schema-check.js';
import { type Slapd, startSlapd } from '../testing/slapd.js';
import { runCollectorContract } from '../testing/collector-contract.case.js';

const ACCOUNTS = 3000;

/** Expected accountsPerPool for a cluster-id → FQDN map (unknown ids stay as the id). */
function expectedPerPool(expected: ExpectedAccount[], pools: Record<string, string>): Map<string | null, number> {
  const out = new Map<string | null, number>();
  for (const e of expected) {
    const pool = e.home.kind === 'none' ? null : e.home.kind === 'online' ? ONLINE_LOCATOR : (pools[e.home.cluster] ?? e.home.cluster);
    out.set(pool, (out.get(pool) ?? 0) + 1);
  }
  return out;
}

function perPool(doc: InventoryDocument): Map<string | null, number> {
  return new Map(doc.summary.accountsPerPool.map((p) => [p.pool, p.count]));
}

describe('ldap collector against slapd', { timeout: 120_000 }, () => {
  let slapd: Slapd;
  let topologyFile: string;
  const expected: ExpectedAccount[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const e = generatedAccount(i).expected;
    if (e) expected.push(e);
  }

  before(async () => {
    slapd = await startSlapd({ accounts: ACCOUNTS, sizeLimit: 100 });
    topologyFile = join(slapd.dir, 'topology.xml');
    // as Windows PowerShell's Out-File writes it: UTF-16 LE with a BOM
    await writeFile(topologyFile, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(topologyXml(), 'utf16le')]));
  });
  after(async () => {
    await slapd?.stop();
  });

  const sfbSource = (extra: Partial<LdapSourceConfig> = {}): LdapSourceConfig => ({
    type: 'ldap',
    name: 'contoso-ad',
    url: slapd.url,
    bindDn: slapd.serviceDn,
    passwordFile: slapd.servicePasswordFile,
    baseDn: slapd.baseDn,
    preset: 'sfb',
    pageSize: 40,
    ...extra,
  });

  runCollectorContract('ldap', () => sfbSource({ url: slapd.ldapsUrl, caFile: slapd.caFile, pageSize: 100 }), projectRoot);

  test('the server really limits unpaged searches (so the collector must page)', async () => {
    const client = new Client({ url: slapd.url });
    await client.bind(slapd.serviceDn, 'svc-secret');
    await assert.rejects(client.search(slapd.baseDn, { filter: '(msRTCSIP-PrimaryUserAddress=*)', attributes: ['dn'] }), /SizeLimitExceeded/);
    await client.unbind();
  });

  test('sfb preset: every account, homed on the pool named by directory pool objects and the topology', async () => {
    const doc = await collectInventory([sfbSource({ topologyFile })]);
    const src = doc.sources[0]!;
    assert.equal(src.status, 'ok', JSON.stringify(src.errors));
    assert.equal(doc.accounts.length, expected.length);
    assert.ok(src.counts.pages! >= Math.ceil(expected.length / 40), `pages: ${src.counts.pages}`);
    assert.deepEqual(perPool(doc), expectedPerPool(expected, TOPOLOGY_POOLS));
    // 3:1 is in neither the directory nor the topology: named by its id, with a warning
    assert.ok(perPool(doc).get('3:1')! > 0);
    assert.ok(
      src.warnings.some((w) => w.includes('CN=3:1')),
      src.warnings.join('\n'),
    );
    // the referral in the tree is reported, not followed
    assert.ok(src.warnings.some((w) => w.includes('referral not followed: ldap://other.example.invalid')));

    const byDn = new Map(doc.accounts.map((a) => [a.attributes.dn as string, a]));
    for (const e of expected) {
      const a = byDn.get(e.dn);
      assert.ok(a, `missing ${e.dn}`);
      assert.equal(a.displayName, e.displayName);
      assert.equal(a.sipAddress, e.sip);
      assert.equal(a.enabled, e.enabled, e.dn);
      assert.equal(a.kind, e.kind, e.dn);
      assert.equal(a.homing, e.home.kind === 'cluster' ? 'on-premises' : e.home.kind === 'online' ? 'online' : 'unassigned');
      if (e.home.kind === 'cluster') assert.match(a.homeRaw!, new RegExp(`^CN=Lc Services,CN=Microsoft,CN=${e.home.cluster},CN=Pools,`));
      if (e.home.kind === 'none') assert.equal(a.homePool, null);
      assert.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-/); // entryUUID
    }
    assert.ok(doc.accounts.some((a) => a.displayName?.startsWith('李小龍')));
    const pool03 = doc.pools.find((p) => p.fqdn === 'pool03.contoso.com');
    assert.equal(pool03?.site, 'Berlin & Brandenburg');
    assert.deepEqual(pool03?.members, ['ber-fe01.contoso.com']);
    assert.equal(doc.pools.find((p) => p.fqdn === 'sql01.contoso.com')?.kind, 'sql-store');

    const json = JSON.stringify(doc);
    assert.ok(!json.includes(PASSWORD_MARKER), 'a userPassword value reached the document');
    assert.ok(!json.includes('svc-secret'));
    validateInventoryDocument(JSON.parse(json));
    assertMatchesPublishedSchema(JSON.parse(json), projectRoot);
  });

  test('explicit poolMap names pools nothing else knows; without topology 2:1 stays unresolved', async () => {
    const doc = await collectInventory([sfbSource({ poolMap: { '3:1': 'pool04.contoso.com' }, pageSize: 500 })]);
    assert.equal(doc.sources[0]!.status, 'ok');
    assert.deepEqual(perPool(doc), expectedPerPool(expected, { '1:1': 'pool01.contoso.com', '1:2': 'pool02.contoso.com', '3:1': 'pool04.contoso.com' }));
  });

  test('LDAPS with the private CA and an anonymous bind; without the CA the source fails', async () => {
    const doc = await collectInventory([sfbSource({ url: slapd.ldapsUrl, bindDn: undefined, passwordFile: undefined, caFile: slapd.caFile })]);
    assert.equal(doc.sources[0]!.status, 'ok', JSON.stringify(doc.sources[0]!.errors));
    assert.equal(doc.accounts.length, expected.length);

    const bad = await collectInventory([sfbSource({ url: slapd.ldapsUrl, bindDn: undefined, passwordFile: undefined })]);
    assert.equal(bad.sources[0]!.status, 'failed');
    assert.match(bad.sources[0]!.errors[0]!, /certificate/i);
    assert.equal(bad.accounts.length, 0);
  });

  test('StartTLS + rootdn with every attribute requested: userPassword is dropped and reported', async () => {
    const doc = await collectInventory([
      {
        type: 'ldap',
        url: slapd.url,
        startTLS: true,
        caFile: slapd.caFile,
        bindDn: slapd.rootDn,
        passwordFile: slapd.rootPasswordFile,
        baseDn: `ou=Users,${slapd.baseDn}`,
        preset: 'generic',
        attributes: ['*'],
        pageSize: 250,
      },
    ]);
    const src = doc.sources[0]!;
    assert.equal(src.status, 'ok', JSON.stringify(src.errors));
    // generic filter: every person under ou=Users (plain entries included, contacts are elsewhere)
    assert.equal(doc.accounts.length, expected.filter((e) => e.kind !== 'contact').length + ACCOUNTS / 20);
    assert.ok(
      src.warnings.some((w) => /userPassword/.test(w)),
      src.warnings.join('\n'),
    );
    assert.ok(!JSON.stringify(doc).includes(PASSWORD_MARKER));
    const disabled = doc.accounts.find((a) => a.attributes.userAccountControl === '514');
    assert.equal(disabled?.enabled, false);
  });

  test('exchange preset: homeMDB → mailbox database', async () => {
    const doc = await collectInventory([sfbSource({ preset: 'exchange', pageSize: 500 })]);
    const want = new Map<string, number>();
    for (const e of expected) if (e.mailboxDb) want.set(e.mailboxDb, (want.get(e.mailboxDb) ?? 0) + 1);
    assert.deepEqual(perPool(doc), want);
    assert.deepEqual(doc.pools.map((p) => [p.fqdn, p.kind]).sort(), [
      ['DB01', 'mailbox-database'],
      ['DB02', 'mailbox-database'],
    ]);
  });

  test('a wrong password fails the source with the server error, other sources still run', async () => {
    const pw = join(slapd.dir, 'wrong.pw');
    await writeFile(pw, 'nope\n');
    const doc = await collectInventory([sfbSource({ passwordFile: pw }), { type: 'sfb-topology', path: topologyFile }]);
    assert.equal(doc.sources[0]!.status, 'failed');
    assert.match(doc.sources[0]!.errors[0]!, /invalid credentials/i);
    assert.equal(doc.sources[1]!.status, 'ok');
    assert.equal(doc.pools.length, 4);
  });
});
