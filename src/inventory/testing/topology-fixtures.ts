/**
 * Topology documents shaped like the ones deployments publish (written for these tests, after
 * the element layout of Get-CsTopology -AsXml output and of Topology Builder's .tbxml files):
 * services named by .NET class in `Type` and by role in `ServiceId/@RoleName`, a Director marked
 * by its RegistrarService element, SQL instances referenced through SqlInstanceId, Ports
 * elements in another namespace, and, for .tbxml, clusters nested in their sites and services
 * pointing at a cluster's UniqueId.
 */

const CLASS = 'Microsoft.Rtc.Management.Deploy.Internal.ServiceRoles';
const SR_NS = 'urn:schema:Microsoft.Rtc.Management.Deploy.ServiceRoles.2008';

/** Pool FQDN → expected kind, for both documents below. */
export const FULL_TOPOLOGY_KINDS: Record<string, string> = {
  'pool01.contoso.com': 'front-end',
  'dir01.contoso.com': 'director',
  'sqlbe01.contoso.com': 'sql-store',
  'fs01.contoso.com': 'file-store',
  'owas.contoso.com': 'office-web-apps',
  'edgepool.contoso.com': 'edge',
  'med01.contoso.com': 'mediation',
};

function service(site: string, role: string, cls: string | null, installedOn: string, extra = ''): string {
  return `    <Service RoleVersion="1" ServiceVersion="8"${cls ? ` Type="${CLASS}.${cls}"` : ''}>
      <ServiceId SiteId="${site}" RoleName="${role}" Instance="1" />
      <DependsOn />
      <InstalledOn>${installedOn}</InstalledOn>
      <Ports xmlns="${SR_NS}"><Port Owner="urn:component:${role}" Usage="SipServer" InterfaceSide="Primary" InterfaceNumber="1" Port="5061" Protocol="Mtls" UrlPath="/" AuthorizesRequests="true" /></Ports>${extra}
    </Service>`;
}

const onCluster = (n: number): string => `<ClusterId SiteId="1" Number="${n}" />`;

/** Get-CsTopology -AsXml of an Enterprise Edition site with every server role. */
export function fullTopologyXml(): string {
  const cluster = (n: number, fqdn: string, machines: string[]): string =>
    `    <Cluster RequiresReplication="true" RequiresSetup="true" Fqdn="${fqdn}">
      <ClusterId SiteId="1" Number="${n}" />
${machines.map((m, i) => `      <Machine OrdinalInCluster="${i + 1}" Fqdn="${m}" FaultDomain="${m}" UpgradeDomain="${m}"><NetInterface InterfaceSide="Primary" InterfaceNumber="1" IPAddress="0.0.0.0" /></Machine>`).join('\n')}
    </Cluster>`;
  return `<?xml version="1.0" encoding="utf-16"?>
<Topology xmlns="urn:schema:Microsoft.Rtc.Management.Deploy.Topology.2008" Signature="7c1f0c8e-3b0a-4f57-9d5e-2a41c9e0b6d3">
  <InternalDomains AllowAllDomains="false" DefaultDomain="contoso.com"><InternalDomain Name="contoso.com" Authoritative="false" AllowSubDomains="false" /></InternalDomains>
  <Sites>
    <CentralSite SiteId="1"><Name>Redmond</Name><Location City="Redmond" CountryCode="US" /></CentralSite>
  </Sites>
  <Clusters>
${cluster(1, 'pool01.contoso.com', ['fe01.contoso.com', 'fe02.contoso.com', 'fe03.contoso.com'])}
${cluster(2, 'dir01.contoso.com', ['dir01a.contoso.com'])}
${cluster(3, 'sqlbe01.contoso.com', ['sqlbe01.contoso.com'])}
${cluster(4, 'fs01.contoso.com', ['fs01.contoso.com'])}
${cluster(5, 'owas.contoso.com', ['owas01.contoso.com', 'owas02.contoso.com'])}
${cluster(6, 'edgepool.contoso.com', ['edge01.contoso.com'])}
${cluster(7, 'med01.contoso.com', ['med01.contoso.com'])}
  </Clusters>
  <SqlInstances>
    <SqlInstance><SqlInstanceId Name="rtc">${onCluster(3)}</SqlInstanceId></SqlInstance>
  </SqlInstances>
  <Services>
${service('1', 'UserServices', null, onCluster(1))}
${service('1', 'Registrar', 'RegistrarService', onCluster(1), `\n      <RegistrarService xmlns="${SR_NS}" IsDirector="false" IsPoolEnabledForSAOnEdge="false" />`)}
${service('1', 'WebServices', 'WebService', onCluster(1))}
${service('1', 'ConfServices', 'ConfService', onCluster(1))}
${service('1', 'Registrar', 'RegistrarService', onCluster(2), `\n      <RegistrarService xmlns="${SR_NS}" IsDirector="true" />`)}
${service('1', 'WebServices', 'WebService', onCluster(2))}
${service('1', 'UserStore', null, `<SqlInstanceId Name="rtc">${onCluster(3)}</SqlInstanceId>`)}
${service('1', 'FileStore', 'FileStoreService', onCluster(4), `\n      <FileStoreService xmlns="${SR_NS}" ShareName="lyncshare" />`)}
${service('1', 'WacService', 'WacService', onCluster(5))}
${service('1', 'EdgeServer', 'EdgeService', onCluster(6))}
${service('1', 'MediationServer', 'MediationService', onCluster(7))}
  </Services>
</Topology>
`;
}

/** GUIDs Topology Builder gives clusters; its services point at them with InstalledOn. */
const GUID = (n: number): string => `6f1d2c3b-0000-4a5b-8c9d-00000000000${n}`;

/**
 * A Topology Builder file (.tbxml): the same deployment under NewTopology, and under
 * OriginalTopology the topology before the Mediation pool was added.
 */
export function fullTopologyTbxml(): string {
  const T = 'urn:schema:Microsoft.Rtc.Management.Deploy.Topology.2008';
  const cluster = (n: number, fqdn: string, machines: string[]): string =>
    `          <Cluster UniqueId="${GUID(n)}" Fqdn="${fqdn}" RequiresReplication="true" RequiresSetup="true">
            <Machines>
${machines.map((m) => `              <Machine${m === fqdn ? '' : ` Fqdn="${m}"`} FaultDomain="${m}" UpgradeDomain="${m}"><NetInterface xmlns="${T}" InterfaceSide="Primary" InterfaceNumber="1" IPAddress="0.0.0.0" /></Machine>`).join('\n')}
            </Machines>${n === 3 ? '\n            <SqlInstances><SqlInstance Name="rtc" /></SqlInstances>' : ''}
          </Cluster>`;
  let serial = 0;
  const svc = (n: number, role: string, extra = ''): string =>
    `        <Service UniqueId="0a0b0c0d-0000-4e00-9000-${String(++serial).padStart(12, '0')}" RoleName="${role}" InstalledOn="${GUID(n)}" SiteId="1">${extra}</Service>`;
  const partial = (withMediation: boolean): string => `    <PartialTopology xmlns="urn:schema:Microsoft.Rtc.Management.Deploy.WritableTopology.2008">
      <InternalDomains xmlns="${T}" AllowAllDomains="false" DefaultDomain="contoso.com"><InternalDomain Name="contoso.com" Authoritative="false" AllowSubDomains="false" /></InternalDomains>
      <CentralSites>
        <CentralSite SiteId="1">
          <Name xmlns="${T}">Redmond</Name>
          <Location xmlns="${T}" City="Redmond" CountryCode="US" />
          <Clusters>
${cluster(1, 'pool01.contoso.com', ['fe01.contoso.com', 'fe02.contoso.com', 'fe03.contoso.com'])}
${cluster(2, 'dir01.contoso.com', ['dir01a.contoso.com'])}
${cluster(3, 'sqlbe01.contoso.com', ['sqlbe01.contoso.com'])}
${cluster(4, 'fs01.contoso.com', ['fs01.contoso.com'])}
${cluster(5, 'owas.contoso.com', ['owas01.contoso.com', 'owas02.contoso.com'])}
${cluster(6, 'edgepool.contoso.com', ['edgepool.contoso.com'])}
${withMediation ? cluster(7, 'med01.contoso.com', ['med01.contoso.com']) : ''}
          </Clusters>
        </CentralSite>
      </CentralSites>
      <Services>
${svc(1, 'UserServices')}
${svc(1, 'Registrar', `<RegistrarService xmlns="${SR_NS}" IsDirector="false" />`)}
${svc(1, 'WebServices')}
${svc(2, 'Registrar', `<RegistrarService xmlns="${SR_NS}" IsDirector="true" />`)}
${svc(2, 'WebServices')}
${svc(3, 'UserStore')}
${svc(4, 'FileStore', `<FileStoreService xmlns="${SR_NS}" ShareName="lyncshare" />`)}
${svc(5, 'WacService')}
${svc(6, 'EdgeServer')}
${withMediation ? svc(7, 'MediationServer') : ''}
      </Services>
    </PartialTopology>`;
  return `<?xml version="1.0" encoding="utf-8"?>
<TopologyBuilder xmlns="urn:schema:Microsoft.Rtc.Management.Deploy.TopologyBuilder.2008">
  <OriginalTopology>
${partial(false)}
  </OriginalTopology>
  <NewTopology>
${partial(true)}
  </NewTopology>
</TopologyBuilder>
`;
}
