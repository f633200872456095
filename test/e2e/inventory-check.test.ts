/**
 * `lifeboat inventory check` against a real slapd (started here) and a Get-CsUser export written
 * from the same generated directory model, with mismatches planted: one account whose
 * RegistrarPool differs from its AD home, one AD user missing from the export, one export row not
 * in AD, a second directory entry carrying another account's SIP address (in other case), and a
 * registrar pool in the topology that nobody is homed on. The generated directory already holds
 * online-homed and disabled accounts and a home server (3:1) no pool object or topology names.
 * Expected counts come from the fixture model, not from the checker.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { type ExpectedAccount, TOPOLOGY_POOLS, generatedAccount, homeServerDn, topologyXml } from '../../src/inventory/testing/directory-fixture.js';
import { type Slapd, startSlapd } from '../../src/inventory/testing/slapd.js';
import { lifeboat } from '../helpers/run.js';

const ACCOUNTS = 300;
/** user000005 (AD: 1:2 = pool02) is on pool01 in the export. */
const MISMATCHED = 'sip:user000005@contoso.com';
/** user000006 is in AD and not in the export. */
const NOT_EXPORTED = 'sip:user000006@contoso.com';
const NOT_IN_AD = 'sip:ghost@contoso.com';
/** user000004 (enabled, on 1:1) gets a twin entry in the directory. */
const DUPLICATED = 'sip:user000004@contoso.com';

const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** Get-CsUser | Export-Csv of the generated users, as Windows PowerShell 5.1 writes it (UTF-16 LE, BOM, #TYPE). */
function getCsUserExport(expected: ExpectedAccount[]): Buffer {
  const header = ['Identity', 'SipAddress', 'DisplayName', 'Enabled', 'RegistrarPool', 'HomeServer', 'HostingProvider'];
  const rows: string[][] = [];
  for (const e of expected) {
    // Get-CsUser lists users only (contacts and common area phones have their own cmdlets)
    if (e.kind !== 'user' || e.sip === NOT_EXPORTED) continue;
    let pool = '';
    let homeServer = '';
    let hosting = 'SRV:';
    if (e.home.kind === 'cluster') {
      pool = TOPOLOGY_POOLS[e.home.cluster] ?? '';
      homeServer = homeServerDn(e.home.cluster);
    } else if (e.home.kind === 'online') hosting = 'sipfed.online.lync.com';
    if (e.sip === MISMATCHED) pool = 'pool01.contoso.com';
    rows.push([`CN=${e.displayName},OU=Users,DC=contoso,DC=com`, e.sip!, e.displayName, e.enabled ? 'True' : 'False', pool, homeServer, hosting]);
  }
  rows.push(['CN=Ghost,OU=Users,DC=contoso,DC=com', NOT_IN_AD, 'Ghost', 'True', 'pool01.contoso.com', homeServerDn('1:1'), 'SRV:']);
  const text = `#TYPE Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser\r\n${[header, ...rows].map((r) => r.map(q).join(',')).join('\r\n')}\r\n`;
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/** The fixture topology plus a registrar pool (1:9) no account is homed on. */
function topologyWithIdlePool(): string {
  return topologyXml()
    .replace(
      '  </Clusters>',
      '    <Cluster RequiresReplication="true" RequiresSetup="true" Fqdn="pool09.contoso.com"><ClusterId SiteId="1" Number="9" /><Machine OrdinalInCluster="1" Fqdn="fe09.contoso.com" /></Cluster>\n  </Clusters>',
    )
    .replace(
      '  </Services>',
      '    <Service RoleVersion="1" ServiceVersion="6" Type="Microsoft.Rtc.Management.Deploy.Internal.ServiceRoles.RegistrarService"><ServiceId SiteId="1" RoleName="Registrar" Instance="9" /><InstalledOn><ClusterId SiteId="1" Number="9" /></InstalledOn></Service>\n  </Services>',
    );
}

interface Report {
  sources: string[];
  counts: Record<string, number>;
  findings: { kind: string; message: string; sources: string[]; accounts: { source: string; sipAddress: string | null }[] }[];
}

describe('inventory check against slapd and a Get-CsUser export', { timeout: 180_000 }, () => {
  let slapd: Slapd;
  const expected: ExpectedAccount[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const e = generatedAccount(i).expected;
    if (e) expected.push(e);
  }

  before(async () => {
    slapd = await startSlapd({ accounts: ACCOUNTS, sizeLimit: 100 });
    const client = new Client({ url: slapd.url });
    try {
      await client.bind(slapd.rootDn, 'admin-secret');
      await client.add(`uid=user000004-twin,ou=Users,${slapd.baseDn}`, {
        objectClass: ['inetOrgPerson', 'lifeboatTestAccount'],
        uid: 'user000004-twin',
        cn: 'user000004 twin',
        sn: 'Twin',
        displayName: 'User 000004 (twin)',
        'msRTCSIP-PrimaryUserAddress': DUPLICATED.toUpperCase().replace('SIP:', 'sip:'),
        'msRTCSIP-PrimaryHomeServer': homeServerDn('1:1'),
        'msRTCSIP-UserEnabled': 'TRUE',
        userAccountControl: '512',
      });
    } finally {
      await client.unbind();
    }
    await writeFile(join(slapd.dir, 'users.csv'), getCsUserExport(expected));
    await writeFile(join(slapd.dir, 'topology.xml'), topologyWithIdlePool());
    await writeFile(
      join(slapd.dir, 'inventory.yaml'),
      [
        'sources:',
        `  - { type: ldap, name: contoso-ad, url: "${slapd.url}", bindDn: "${slapd.serviceDn}", passwordFile: "${slapd.servicePasswordFile}", baseDn: "${slapd.baseDn}", preset: sfb, pageSize: 50, topologyFile: topology.xml }`,
        '  - { type: csv, name: cs-users, path: users.csv, preset: sfb }',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await slapd?.stop();
  });

  test('planted mismatches are found, each naming accounts and sources; exit 3; the report has the section', async () => {
    const doc = join(slapd.dir, 'doc.json');
    const collected = await lifeboat(undefined, ['inventory', 'collect', '-c', join(slapd.dir, 'inventory.yaml'), '-o', doc, '--markdown', join(slapd.dir, 'doc.md')]);
    assert.ok(collected.code === 0 || collected.code === 3, collected.stderr);
    const r = await lifeboat(undefined, ['inventory', 'check', doc, '--json']);
    assert.equal(r.code, 3, r.stderr);
    const report = JSON.parse(r.stdout.toString()) as Report;
    const of = (kind: string): Report['findings'] => report.findings.filter((f) => f.kind === kind);
    assert.deepEqual(report.sources, ['contoso-ad', 'cs-users']);

    const mismatch = of('home-mismatch');
    assert.deepEqual(
      mismatch.map((f) => f.message),
      [`${MISMATCHED}: contoso-ad says pool02.contoso.com, cs-users says pool01.contoso.com`],
    );
    assert.deepEqual(mismatch[0]!.sources, ['contoso-ad', 'cs-users']);

    assert.deepEqual(
      of('missing-from-source')
        .map((f) => f.message)
        .sort(),
      [`${NOT_IN_AD} is in cs-users but not in contoso-ad`, `${NOT_EXPORTED} is in contoso-ad but not in cs-users`],
    );
    const dup = of('duplicate-sip');
    assert.equal(dup.length, 1);
    assert.match(dup[0]!.message, /^sip:user000004@contoso\.com is on 2 accounts in contoso-ad: /i);
    assert.deepEqual(
      of('pool-without-accounts').map((f) => f.message),
      ['pool09.contoso.com (contoso-ad) is a registrar pool with no account homed on it'],
    );

    // from the model: users (not contacts or phones) appear in both sources, the rest in AD only
    const inBoth = (e: ExpectedAccount): number => (e.kind === 'user' && e.sip !== NOT_EXPORTED ? 2 : 1);
    const count = (pred: (e: ExpectedAccount) => boolean): number => expected.filter(pred).reduce((n, e) => n + inBoth(e), 0);
    assert.equal(
      of('homed-online').length,
      count((e) => e.home.kind === 'online'),
    );
    assert.equal(
      of('disabled-homed').length,
      count((e) => !e.enabled && e.home.kind === 'cluster'),
    );
    assert.equal(
      of('home-unresolved').length,
      count((e) => e.home.kind === 'cluster' && e.home.cluster === '3:1'),
    );
    assert.ok(of('homed-online').length > 0 && of('disabled-homed').length > 0 && of('home-unresolved').length > 0);
    assert.equal(of('pool-not-in-topology').length, 0);
    for (const f of report.findings.filter((x) => x.kind !== 'pool-without-accounts')) assert.ok(f.accounts.length > 0 && f.sources.length > 0, f.message);

    const text = await lifeboat(undefined, ['inventory', 'check', doc]);
    assert.equal(text.code, 3);
    assert.match(
      text.stdout.toString(),
      /Sources disagree on the home pool \(home-mismatch\): 1\n {2}sip:user000005@contoso\.com: contoso-ad says pool02\.contoso\.com, cs-users says pool01\.contoso\.com/,
    );
    const md = await lifeboat(undefined, ['inventory', 'report', doc]);
    assert.match(md.stdout.toString(), /## Consistency across sources\n\n\d+ findings in \d+ accounts \(sources compared: contoso-ad, cs-users\)/);
  });

  test('collecting and checking in one step (-c), and a consistent source list exits 0', async () => {
    const r = await lifeboat(undefined, ['inventory', 'check', '-c', join(slapd.dir, 'inventory.yaml'), '--json', '-q']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal((JSON.parse(r.stdout.toString()) as Report).counts['home-mismatch'], 1);
    const only = join(slapd.dir, 'one.csv');
    await writeFile(only, '"SipAddress","RegistrarPool","Enabled"\r\n"sip:a@contoso.com","pool01.contoso.com","True"\r\n');
    const clean = await lifeboat(undefined, ['inventory', 'check', '--preset', 'sfb', '--source', `csv:${only}`]);
    assert.equal(clean.code, 0, clean.stderr + clean.stdout.toString());
    assert.match(clean.stdout.toString(), /^no inconsistencies: 1 accounts in 1 sources/);
  });
});
