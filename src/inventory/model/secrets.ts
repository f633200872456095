/**
 * What must never reach an inventory document: password hashes, keys and other secrets.
 * Collectors drop attributes whose name says "secret" and redact free text (crontab commands,
 * URLs) before it is stored. The lists err on the side of dropping.
 */

const SECRET_ATTRIBUTES = new Set(
  [
    'userPassword',
    'unicodePwd',
    'dBCSPwd',
    'ntPwdHistory',
    'lmPwdHistory',
    'supplementalCredentials',
    'authPassword',
    'sambaNTPassword',
    'sambaLMPassword',
    'sambaPasswordHistory',
    'krb5Key',
    'krbPrincipalKey',
    'pwdHistory',
    'userPKCS12',
    'msDS-ManagedPassword',
    'msLAPS-Password',
    'msLAPS-EncryptedPassword',
    'ms-Mcs-AdmPwd',
    'msFVE-RecoveryPassword',
    'msPKIAccountCredentials',
    'msPKIDPAPIMasterKeys',
    'msPKIRoamingTimeStamp',
    'rolpassword',
    'passwd',
  ].map((a) => a.toLowerCase()),
);

/** Attribute (or column) names that look like they hold a secret, whatever the schema. */
const SECRET_NAME = /(pass(word|wd|phrase)?$|password|pwd|secret|credential|privatekey|private_key|token$|apikey|api_key)/i;

const secretMemo = new Map<string, boolean>();

export function isSecretAttribute(name: string): boolean {
  let r = secretMemo.get(name);
  if (r === undefined) {
    r = SECRET_ATTRIBUTES.has(name.toLowerCase()) || SECRET_NAME.test(name);
    if (secretMemo.size < 10_000) secretMemo.set(name, r);
  }
  return r;
}

const REDACTIONS: [RegExp, string][] = [
  // user:password@ in URLs
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]*@/gi, '$1<redacted>@'],
  // NAME=value and --name=value / --name value for names that look secret
  [/(\b[\w-]*(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|credential)[\w-]*\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1<redacted>'],
  [/(--?[\w-]*(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key)[\w-]*\s+)("[^"]*"|'[^']*'|[^\s-]\S*)/gi, '$1<redacted>'],
  // mysql -pSECRET
  [/(\bmysql\w*\b[^|;&\n]*\s-p)(?!\s)\S+/g, '$1<redacted>'],
];

/** Replaces anything in free text that looks like a secret with `<redacted>`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [re, by] of REDACTIONS) out = out.replace(re, by);
  return out;
}

/** A URL without its password (for `location` fields). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '<redacted>';
    return u.toString();
  } catch {
    return redactSecrets(url);
  }
}
