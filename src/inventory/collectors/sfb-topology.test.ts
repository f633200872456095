import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { collectInventory } from '../collect.js';
import { pool } from '../testing/document-builder.js';
import { topologyXml } from '../testing/directory-fixture.js';
import { formatGuid } from './ldap.js';
import { ldapErrorMessage } from './ldap-connect.js';
import { PoolIndex, clusterIdOf, normalizeDn, poolDnOf } from './pool-index.js';
import { parseTopology } from './sfb-topology.js';
import { roleName } from './topology-roles.js';
import { FULL_TOPOLOGY_KINDS, fullTopologyTbxml, fullTopologyXml } from '../testing/topology-fixtures.js';
import { parseXml } from './xml.js';

const EDGE_BRANCH = `<?xml version="1.0"?>
<!DOCTYPE Topology [ <!ENTITY x "y"> ]>
<t:Topology xmlns:t="urn:schema:Microsoft.Rtc.Management.Deploy.Topology.2008">
  <t:Sites>
    <t:CentralSite SiteId="1" Name="HQ"/>
    <t:BranchSite SiteId="5" ParentSiteId="1"><t:Name><![CDATA[Branch <Nord>]]></t:Name></t:BranchSite>
  </t:Sites>
  <t:Clusters>
    <t:Cluster Fqdn="edge.contoso.com"><t:ClusterId SiteId="1" Number="4"/><t:Machine Fqdn="edge1.contoso.com"/><t:Machine Fqdn="edge2.contoso.com"/></t:Cluster>
    <t:Cluster Fqdn="sba.branch.contoso.com"><t:ClusterId SiteId="5" Number="1"/><t:Machine Fqdn="sba.branch.contoso.com"/></t:Cluster>
  </t:Clusters>
  <t:Services>
    <t:Service Type="EdgeServer"><t:InstalledOn><t:ClusterId SiteId="1" Number="4"/></t:InstalledOn></t:Service>
    <t:Service Type="MediationServer"><t:InstalledOn><t:ClusterId SiteId="5" Number="1"/></t:InstalledOn></t:Service>
    <t:Service Type="PstnGateway"><t:InstalledOn><t:ClusterId SiteId="5" Number="1"/></t:InstalledOn></t:Service>
  </t:Services>
</t:Topology>`;

describe('sfb topology', () => {
  test('sites, pools with site names, machines, services, kinds, SQL stores', () => {
    const t = parseTopology(topologyXml(), 'topo');
    assert.deepEqual(
      t.sites.map((s) => [s.id, s.name, s.kind]),
      [
        ['1', 'Redmond', 'central'],
        ['2', 'Berlin & Brandenburg', 'central'],
      ],
    );
    assert.deepEqual(
      t.pools.map((p) => [p.fqdn, p.site, p.kind, p.members, p.aliases, p.services]),
      [
        ['pool01.contoso.com', 'Redmond', 'front-end', ['fe01.contoso.com', 'fe02.contoso.com'], ['1:1'], ['Registrar', 'UserServices']],
        ['pool02.contoso.com', 'Redmond', 'front-end', ['fe03.contoso.com'], ['1:2'], ['Registrar']],
        ['pool03.contoso.com', 'Berlin & Brandenburg', 'front-end', ['ber-fe01.contoso.com'], ['2:1'], ['Registrar']],
        ['sql01.contoso.com', 'Redmond', 'sql-store', ['sql01.contoso.com'], ['1:3'], ['SqlInstance:rtc', 'UserStore']],
      ],
    );
    assert.equal(t.machines, 5);
    assert.deepEqual(t.sqlStores, [{ cluster: '1:3', instance: 'rtc', fqdn: 'sql01.contoso.com' }]);
  });

  test('prefixed names, attribute site names, CDATA, DOCTYPE; edge and mediation kinds', () => {
    const t = parseTopology(EDGE_BRANCH, 'x');
    assert.deepEqual(
      t.sites.map((s) => [s.name, s.kind, s.parentId]),
      [
        ['HQ', 'central', null],
        ['Branch <Nord>', 'branch', '1'],
      ],
    );
    assert.deepEqual(
      t.pools.map((p) => [p.fqdn, p.kind, p.site]),
      [
        ['edge.contoso.com', 'edge', 'HQ'],
        ['sba.branch.contoso.com', 'mediation', 'Branch <Nord>'],
      ],
    );
  });

  test('not a topology, broken XML', () => {
    assert.throws(() => parseTopology('<Users/>', 'x'), /document element is <Users>/);
    assert.throws(() => parseXml('<a><b></a>'), /XML line 1: Expected closing tag 'b'/);
    assert.throws(() => parseXml('<a>\n<b x=1/></a>'), /XML line 2: Attribute 'x' is without value/);
    assert.deepEqual(parseXml('<a x="&lt;&#65;&#x42;&amp;"/>').attrs, { x: '<AB&' });
    assert.equal(parseXml('<a>&#233;&amp;lt;<![CDATA[<b>]]></a>').text, 'é&lt;<b>');
    assert.throws(() => parseTopology('<TopologyBuilder><Other/></TopologyBuilder>', 'x'), /without a NewTopology or OriginalTopology/);
  });

  test('services named by .NET class and by role: every server role gets its kind', () => {
    const t = parseTopology(fullTopologyXml(), 'topo');
    assert.deepEqual(Object.fromEntries(t.pools.map((p) => [p.fqdn, p.kind])), FULL_TOPOLOGY_KINDS);
    const fe = t.pools.find((p) => p.fqdn === 'pool01.contoso.com')!;
    assert.deepEqual(fe.services, ['ConfServices', 'Registrar', 'UserServices', 'WebServices']);
    assert.deepEqual(fe.members, ['fe01.contoso.com', 'fe02.contoso.com', 'fe03.contoso.com']);
    assert.deepEqual(t.pools.find((p) => p.fqdn === 'fs01.contoso.com')!.services, ['FileStore']);
    assert.deepEqual(t.pools.find((p) => p.fqdn === 'sqlbe01.contoso.com')!.services, ['SqlInstance:rtc', 'UserStore']);
    assert.deepEqual(t.sqlStores, [{ cluster: '1:3', instance: 'rtc', fqdn: 'sqlbe01.contoso.com' }]);
    assert.equal(t.machines, 10);
  });

  test('role names from class names', () => {
    assert.equal(roleName('Microsoft.Rtc.Management.Deploy.Internal.ServiceRoles.FileStoreService'), 'FileStore');
    assert.equal(roleName('Microsoft.Rtc.Management.Deploy.Internal.ServiceRoles.WacService'), 'WacService');
    assert.equal(roleName('Microsoft.Rtc.Management.Deploy.Internal.ServiceRoles.EdgeService'), 'EdgeServer');
    assert.equal(roleName('Microsoft.Rtc.Management.Deploy.Internal.ServiceRoles.UserStoreService'), 'UserStore');
    assert.equal(roleName('Registrar'), 'Registrar');
    assert.equal(roleName('WacService'), 'WacService');
  });

  test('a Topology Builder file (.tbxml, UTF-16 with a BOM) is a topology source: NewTopology, clusters by UniqueId', async () => {
    const t = parseTopology(fullTopologyTbxml(), 'tb');
    assert.deepEqual(Object.fromEntries(t.pools.map((p) => [p.fqdn, p.kind])), FULL_TOPOLOGY_KINDS);
    assert.deepEqual(
      t.sites.map((s) => [s.id, s.name]),
      [['1', 'Redmond']],
    );
    assert.ok(t.pools.every((p) => p.site === 'Redmond'));
    // a machine without its own Fqdn is the cluster's single machine
    assert.deepEqual(t.pools.find((p) => p.fqdn === 'edgepool.contoso.com')!.members, ['edgepool.contoso.com']);
    assert.deepEqual(
      t.sqlStores.map((s) => [s.instance, s.fqdn]),
      [['rtc', 'sqlbe01.contoso.com']],
    );
    await withTempDir(async (dir) => {
      const path = join(dir, 'contoso.tbxml');
      await writeFile(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(fullTopologyTbxml(), 'utf16le')]));
      const doc = await collectInventory([{ type: 'sfb-topology', path }]);
      assert.equal(doc.sources[0]!.status, 'ok', JSON.stringify(doc.sources[0]));
      assert.equal(doc.pools.length, 7);
      assert.equal(doc.pools.find((p) => p.fqdn === 'med01.contoso.com')?.kind, 'mediation');
    });
  });

  test('a standalone topology source (UTF-16) names pools for a CSV with home-server DNs only', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 't.xml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(topologyXml(), 'utf16le')]));
      await writeFile(join(dir, 'u.csv'), '"SipAddress","HomeServer"\n"sip:a@x","CN=Lc Services,CN=Microsoft,CN=2:1,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration,DC=contoso,DC=com"\n');
      const doc = await collectInventory([
        { type: 'csv', path: join(dir, 'u.csv'), preset: 'sfb' },
        { type: 'sfb-topology', path: join(dir, 't.xml') },
      ]);
      // the csv source alone could not name 2:1; the document-wide pass does
      assert.ok(doc.sources[0]!.warnings.some((w) => w.includes('CN=2:1')));
      assert.equal(doc.accounts[0]!.homePool, 'pool03.contoso.com');
      assert.deepEqual(doc.summary.accountsPerPool, [{ pool: 'pool03.contoso.com', count: 1 }]);
    });
  });
});

describe('ldap helpers', () => {
  test("objectGUID in Active Directory's byte order", () => {
    assert.equal(formatGuid(Buffer.from('67452301ab89efcd0123456789abcdef', 'hex')), '01234567-89ab-cdef-0123-456789abcdef');
  });

  test('ldapts result errors get a readable message', () => {
    class InvalidCredentialsError extends Error {
      code = 49;
      constructor() {
        super(' Code: 0x31');
        this.name = 'InvalidCredentialsError';
      }
    }
    assert.equal(ldapErrorMessage(new InvalidCredentialsError()), 'invalid credentials (LDAP result 49)');
    assert.equal(ldapErrorMessage(new Error('socket hang up')), 'socket hang up');
  });

  test('pool index: full DN, pool DN, cluster id, explicit map; case and spaces ignored', () => {
    const home = 'CN=Lc Services,CN=Microsoft,CN=1:1,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration,DC=contoso,DC=com';
    assert.equal(clusterIdOf(home), '1:1');
    assert.equal(poolDnOf(home), 'CN=1:1,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration,DC=contoso,DC=com');
    assert.equal(normalizeDn('CN=A, DC=x'), 'cn=a,dc=x');
    const byDn = new PoolIndex([pool('p1.x', { aliases: ['cn=1:1, cn=pools,cn=rtc service,cn=services,cn=configuration,dc=contoso,dc=com'] })]);
    assert.equal(byDn.resolve(home), 'p1.x');
    assert.equal(new PoolIndex([pool('p2.x', { aliases: ['1:1'] })]).resolve(home), 'p2.x');
    assert.equal(new PoolIndex([pool('p2.x', { aliases: ['1:1'] })], { '1:1': 'mapped.x' }).resolve(home), 'mapped.x');
    assert.equal(new PoolIndex([], { [home.toUpperCase()]: 'full.x' }).resolve(home), 'full.x');
    assert.equal(new PoolIndex().resolve(home), null);
  });
});
