/**
 * What a topology service is, and so what kind of pool its cluster is. Topology documents name a
 * service two ways, often both: by role in `ServiceId/@RoleName` (or `@RoleName` in Topology
 * Builder's files) — `Registrar`, `FileStore`, `EdgeServer` — and by .NET class in `@Type` —
 * `Microsoft.Rtc.Management.Deploy.Internal.ServiceRoles.FileStoreService`. Older exports put the
 * role name in `@Type`. All three reduce to one role name here.
 */

/** Class names whose role name is not simply the class name without `Service`. */
const ROLE_BY_CLASS: Record<string, string> = {
  WebService: 'WebServices',
  ConfService: 'ConfServices',
  UserService: 'UserServices',
  EdgeService: 'EdgeServer',
  MediationService: 'MediationServer',
  WacService: 'WacService',
  PersistentChatService: 'PersistentChatServer',
  ApplicationService: 'ApplicationServer',
};

/** The role name for a RoleName, a role-named Type or a .NET class name. */
export function roleName(value: string): string {
  const short = value.slice(value.lastIndexOf('.') + 1);
  if (short === value && !/Service$/.test(short)) return short;
  return ROLE_BY_CLASS[short] ?? (short.endsWith('Service') ? short.slice(0, -'Service'.length) : short);
}

/** Pool kinds by role, first match wins (a Standard Edition server also holds a file store and SQL). */
const KIND_BY_ROLE: [RegExp, string][] = [
  [/^Director$/i, 'director'],
  [/^(Registrar|UserServices|ConfServices|ApplicationServer)$/i, 'front-end'],
  [/^(Edge|EdgeServer)$/i, 'edge'],
  [/^(Mediation|MediationServer)$/i, 'mediation'],
  [/^PstnGateway$/i, 'pstn-gateway'],
  [/^(PersistentChat|PersistentChatServer)$/i, 'persistent-chat'],
  [/^(Wac|WacService)$/i, 'office-web-apps'],
  [/^FileStore$/i, 'file-store'],
  [/^(UserStore|ArchivingStore|MonitoringStore|PersistentChatStore|PersistentChatComplianceStore|Sql\w*)$/i, 'sql-store'],
  [/^(ExternalServer|TrustedApplicationPool|TrustedApplication)$/i, 'trusted-application'],
];

/**
 * The kind of a pool from the roles installed on it. A Director is a registrar marked
 * `IsDirector="true"` (or a `Director` role), so `director` names such a cluster.
 */
export function poolKind(roles: Iterable<string>, isDirector: boolean): string {
  const list = [...roles];
  if (isDirector && list.some((r) => /^Registrar$/i.test(r))) return 'director';
  for (const [re, kind] of KIND_BY_ROLE) if (list.some((r) => re.test(r))) return kind;
  return 'other';
}
