/**
 * A generated directory for the LDAP tests and the benchmark: Skype for Business users spread
 * over pools (some resolvable from pool objects, one only from the topology file, one from
 * nowhere), unassigned, online-homed, disabled, contacts, common-area phones, non-ASCII names,
 * Exchange mailboxes, plain entries the sfb filter must skip, a referral, and a userPassword on
 * every account (which must never reach a document). `expected` is computed from the same model
 * the LDIF is written from, independently of the collector.
 */
export const BASE_DN = 'dc=contoso,dc=com';
export const CONFIG_DN = `CN=Configuration,${BASE_DN}`;
export const POOLS_DN = `CN=Pools,CN=RTC Service,CN=Services,${CONFIG_DN}`;
export const PASSWORD_MARKER = 'Pa55w0rd-MARKER';
export const ONLINE_LOCATOR = 'sipfed.online.lync.com';

/** Cluster id → FQDN as the directory's pool objects say (2:1 is only in the topology; 3:1 nowhere). */
export const DIRECTORY_POOLS: Record<string, string> = { '1:1': 'pool01.contoso.com', '1:2': 'pool02.contoso.com' };
export const TOPOLOGY_POOLS: Record<string, string> = { '1:1': 'pool01.contoso.com', '1:2': 'pool02.contoso.com', '2:1': 'pool03.contoso.com' };
const HOMED_CLUSTERS = ['1:1', '1:2', '2:1', '3:1'];

export const homeServerDn = (cluster: string): string => `CN=Lc Services,CN=Microsoft,CN=${cluster},${POOLS_DN}`;
export const mailboxDbDn = (db: string): string =>
  `CN=${db},CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,${CONFIG_DN}`;

export interface ExpectedAccount {
  dn: string;
  displayName: string;
  sip: string | null;
  /** Cluster id, online locator, or null (unassigned). */
  home: { kind: 'cluster'; cluster: string } | { kind: 'online' } | { kind: 'none' };
  enabled: boolean;
  kind: 'user' | 'contact' | 'common-area-phone';
  mailboxDb: string | null;
}

const NON_ASCII = ['Zoë Ünal-Ødegård', '李小龍', 'Ólafur Þórsson', 'Łukasz Żółć', 'Émilie Çelik', 'Δημήτρης Παπαδόπουλος'];

function line(attr: string, value: string): string {
  // LDIF: values that are not plain ASCII (or start with a space, colon or <) go base64
  return /^[\x20-\x7e]*$/.test(value) && !/^[ :<]/.test(value) && !value.endsWith(' ') ? `${attr}: ${value}` : `${attr}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

function entry(dn: string, attrs: [string, string][]): string {
  return `${[line('dn', dn), ...attrs.map(([a, v]) => line(a, v))].join('\n')}\n\n`;
}

/** The fixed part: base, containers, pool objects, the service account and a referral. */
export function directorySkeleton(): string {
  const parts: string[] = [
    entry(BASE_DN, [
      ['objectClass', 'dcObject'],
      ['objectClass', 'organization'],
      ['dc', 'contoso'],
      ['o', 'Contoso'],
    ]),
    entry(`ou=Users,${BASE_DN}`, [
      ['objectClass', 'organizationalUnit'],
      ['ou', 'Users'],
    ]),
    entry(`ou=Contacts,${BASE_DN}`, [
      ['objectClass', 'organizationalUnit'],
      ['ou', 'Contacts'],
    ]),
    entry(`ou=Service,${BASE_DN}`, [
      ['objectClass', 'organizationalUnit'],
      ['ou', 'Service'],
    ]),
    entry(`cn=svc-inventory,ou=Service,${BASE_DN}`, [
      ['objectClass', 'inetOrgPerson'],
      ['cn', 'svc-inventory'],
      ['sn', 'Inventory'],
      ['userPassword', 'svc-secret'],
    ]),
    entry(`ou=Elsewhere,${BASE_DN}`, [
      ['objectClass', 'referral'],
      ['objectClass', 'extensibleObject'],
      ['ou', 'Elsewhere'],
      ['ref', 'ldap://other.example.invalid/ou=Elsewhere,dc=example,dc=com'],
    ]),
  ];
  let dn = BASE_DN;
  for (const cn of ['Configuration', 'Services', 'RTC Service', 'Pools']) {
    dn = `CN=${cn},${dn}`;
    parts.push(
      entry(dn, [
        ['objectClass', 'container'],
        ['cn', cn],
      ]),
    );
  }
  for (const [id, fqdn] of Object.entries(DIRECTORY_POOLS)) {
    parts.push(
      entry(`CN=${id},${POOLS_DN}`, [
        ['objectClass', 'msRTCSIP-Pool'],
        ['cn', id],
        ['dNSHostName', fqdn],
        ['msRTCSIP-PoolDisplayName', fqdn],
        ['msRTCSIP-PoolType', 'front-end'],
      ]),
    );
  }
  return parts.join('');
}

/** The i-th generated account: its LDIF entry and what a collector should make of it. */
export function generatedAccount(i: number): { ldif: string; expected: ExpectedAccount | null } {
  const n = String(i).padStart(6, '0');
  // every 20th entry is a plain person without any Lync attribute: the sfb filter must skip it
  if (i % 20 === 19) {
    const dn = `uid=plain${n},ou=Users,${BASE_DN}`;
    return {
      ldif: entry(dn, [
        ['objectClass', 'inetOrgPerson'],
        ['uid', `plain${n}`],
        ['cn', `Plain ${n}`],
        ['sn', 'Plain'],
        ['userPassword', `${PASSWORD_MARKER}-${i}`],
      ]),
      expected: null,
    };
  }
  const isContact = i % 50 === 7;
  const isCap = i % 100 === 13;
  const name = i % 7 === 0 ? `${NON_ASCII[(i / 7) % NON_ASCII.length]} ${n}` : `User ${n}`;
  const sip = `sip:user${n}@contoso.com`;
  let home: ExpectedAccount['home'];
  let enabled = true;
  const cat = i % 10;
  if (isContact) home = { kind: 'cluster', cluster: '1:2' };
  else if (isCap) home = { kind: 'cluster', cluster: '2:1' };
  else if (cat === 0) home = { kind: 'none' };
  else if (cat === 1) home = { kind: 'online' };
  else if (cat === 2) {
    home = { kind: 'cluster', cluster: '1:1' };
    enabled = false;
  } else home = { kind: 'cluster', cluster: HOMED_CLUSTERS[i % 4]! };
  const mailboxDb = !isContact && !isCap && i % 3 === 0 ? `DB0${(i % 2) + 1}` : null;

  const dn = isContact ? `cn=contact${n},ou=Contacts,${BASE_DN}` : `uid=user${n},ou=Users,${BASE_DN}`;
  const attrs: [string, string][] = isContact
    ? [
        ['objectClass', 'contact'],
        ['objectClass', 'lifeboatTestAccount'],
        ['cn', `contact${n}`],
        ['sn', 'Contact'],
      ]
    : [
        ['objectClass', 'inetOrgPerson'],
        ['objectClass', 'lifeboatTestAccount'],
        ['uid', `user${n}`],
        ['cn', `user${n}`],
        ['sn', 'User'],
        ['mail', `user${n}@contoso.com`],
      ];
  attrs.push(['displayName', name], ['msRTCSIP-PrimaryUserAddress', sip], ['msRTCSIP-UserEnabled', enabled ? 'TRUE' : 'FALSE'], ['msRTCSIP-OptionFlags', String(256 + (i % 3))]);
  if (!isContact) attrs.push(['userPassword', `${PASSWORD_MARKER}-${i}`], ['userAccountControl', enabled ? '512' : '514']);
  if (home.kind === 'cluster') attrs.push(['msRTCSIP-PrimaryHomeServer', homeServerDn(home.cluster)], ['msRTCSIP-DeploymentLocator', 'SRV:']);
  if (home.kind === 'online') attrs.push(['msRTCSIP-DeploymentLocator', ONLINE_LOCATOR]);
  if (isCap) attrs.push(['msRTCSIP-OwnerUrn', 'urn:device:commonareaphone']);
  if (i % 5 === 4) attrs.push(['msRTCSIP-Line', `tel:+4930123${n}`]);
  if (mailboxDb) attrs.push(['homeMDB', mailboxDbDn(mailboxDb)], ['msExchRecipientTypeDetails', '1']);
  return {
    ldif: entry(dn, attrs),
    expected: { dn, displayName: name, sip, home, enabled, kind: isContact ? 'contact' : isCap ? 'common-area-phone' : 'user', mailboxDb },
  };
}

/** A Get-CsTopology -AsXml document naming pools 1:1, 1:2 and 2:1 and a SQL store 1:3. */
export function topologyXml(): string {
  return `<?xml version="1.0" encoding="utf-16"?>
<Topology Signature="00000000-0000-0000-0000-000000000000" xmlns="urn:schema:Microsoft.Rtc.Management.Deploy.WritableTopology.2008" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <InternalDomains AllowAllDomains="false" DefaultDomain="contoso.com">
    <InternalDomain Name="contoso.com" Authoritative="false" AllowSubDomains="false" />
  </InternalDomains>
  <Sites>
    <CentralSite SiteId="1"><Name>Redmond</Name><Location City="Redmond" State="WA" CountryCode="US" /></CentralSite>
    <CentralSite SiteId="2"><Name>Berlin &amp; Brandenburg</Name></CentralSite>
  </Sites>
  <!-- clusters: front ends, a SQL store -->
  <Clusters>
    <Cluster RequiresReplication="true" RequiresSetup="true" Fqdn="pool01.contoso.com">
      <ClusterId SiteId="1" Number="1" />
      <Machine OrdinalInCluster="1" Fqdn="fe01.contoso.com" FaultDomain="fe01.contoso.com" UpgradeDomain="fe01.contoso.com"><NetInterface InterfaceSide="Primary" InterfaceNumber="1" IPAddress="0.0.0.0" /></Machine>
      <Machine OrdinalInCluster="2" Fqdn="fe02.contoso.com" FaultDomain="fe02.contoso.com" UpgradeDomain="fe02.contoso.com" />
    </Cluster>
    <Cluster RequiresReplication="true" RequiresSetup="true" Fqdn="pool02.contoso.com">
      <ClusterId SiteId="1" Number="2" />
      <Machine OrdinalInCluster="1" Fqdn="fe03.contoso.com" />
    </Cluster>
    <Cluster RequiresReplication="true" RequiresSetup="true" Fqdn="pool03.contoso.com">
      <ClusterId SiteId="2" Number="1" />
      <Machine OrdinalInCluster="1" Fqdn="ber-fe01.contoso.com" />
    </Cluster>
    <Cluster RequiresReplication="false" RequiresSetup="true" Fqdn="sql01.contoso.com">
      <ClusterId SiteId="1" Number="3" />
      <Machine OrdinalInCluster="1" Fqdn="sql01.contoso.com" />
    </Cluster>
  </Clusters>
  <SqlInstances>
    <SqlInstance><SqlInstanceId Name="rtc"><ClusterId SiteId="1" Number="3" /></SqlInstanceId></SqlInstance>
  </SqlInstances>
  <Services>
    <Service RoleVersion="1" ServiceVersion="6" Type="Registrar"><ServiceId SiteId="1" RoleName="Registrar" Instance="1" /><InstalledOn><ClusterId SiteId="1" Number="1" /></InstalledOn></Service>
    <Service RoleVersion="1" ServiceVersion="6" Type="UserServices"><ServiceId SiteId="1" RoleName="UserServices" Instance="1" /><InstalledOn><ClusterId SiteId="1" Number="1" /></InstalledOn></Service>
    <Service RoleVersion="1" ServiceVersion="6" Type="Registrar"><ServiceId SiteId="1" RoleName="Registrar" Instance="2" /><InstalledOn><ClusterId SiteId="1" Number="2" /></InstalledOn></Service>
    <Service RoleVersion="1" ServiceVersion="6" Type="Registrar"><ServiceId SiteId="2" RoleName="Registrar" Instance="1" /><InstalledOn><ClusterId SiteId="2" Number="1" /></InstalledOn></Service>
    <Service RoleVersion="1" ServiceVersion="6" Type="UserStore"><ServiceId SiteId="1" RoleName="UserStore" Instance="1" /><InstalledOn><SqlInstanceReference><ClusterId SiteId="1" Number="3" /></SqlInstanceReference></InstalledOn></Service>
  </Services>
</Topology>
`;
}
