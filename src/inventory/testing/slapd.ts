/**
 * Starts a throwaway OpenLDAP server for tests and the benchmark: a slapd.conf in a temp
 * directory (mdb backend, the test schema, a size limit so that only paged searches see every
 * entry), data bulk-loaded with slapadd before start, ldap:// and ldaps:// (self-signed CA made
 * with openssl) on free loopback ports. stop() kills it and removes the directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { runCommand } from '../../platform/exec/index.js';
import { BASE_DN, directorySkeleton, generatedAccount } from './directory-fixture.js';
import { freePort, waitForPort } from './net.js';
import { TEST_SCHEMA } from './test-schema.js';

export interface Slapd {
  dir: string;
  url: string;
  ldapsUrl: string;
  caFile: string;
  baseDn: string;
  rootDn: string;
  rootPasswordFile: string;
  serviceDn: string;
  servicePasswordFile: string;
  sizeLimit: number;
  pid: number;
  stop(): Promise<void>;
}

async function must(cmd: string, args: string[], timeoutMs = 120_000): Promise<void> {
  const r = await runCommand(cmd, args, { timeoutMs });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
}

/** A CA and a server certificate for 127.0.0.1/localhost (EC keys: fast to make). */
export async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const p = (f: string): string => join(dir, f);
  await must('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=Lifeboat Test CA',
  ]);
  await must('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost']);
  await writeFile(p('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n');
  await must('openssl', ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.crt'), '-days', '2', '-extfile', p('ext.cnf')]);
  return { ca: p('ca.crt'), cert: p('server.crt'), key: p('server.key') };
}

export interface StartSlapdOptions {
  /** Generated accounts (generatedAccount(0..n-1)). */
  accounts: number;
  sizeLimit?: number;
  /** slapadd progress (benchmark). */
  log?: (line: string) => void;
}

export async function startSlapd(opts: StartSlapdOptions): Promise<Slapd> {
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-slapd-'));
  let child: ChildProcess | undefined;
  try {
    const sizeLimit = opts.sizeLimit ?? 100;
    const certs = await makeCertificates(dir);
    await writeFile(join(dir, 'lifeboat-test.schema'), TEST_SCHEMA);
    await mkdir(join(dir, 'db'));
    const rootDn = `cn=admin,${BASE_DN}`;
    const serviceDn = `cn=svc-inventory,ou=Service,${BASE_DN}`;
    const conf = `
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include ${join(dir, 'lifeboat-test.schema')}
pidfile ${join(dir, 'slapd.pid')}
argsfile ${join(dir, 'slapd.args')}
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile ${certs.ca}
TLSCertificateFile ${certs.cert}
TLSCertificateKeyFile ${certs.key}
sizelimit size.soft=${sizeLimit} size.hard=${sizeLimit} size.prtotal=unlimited

database mdb
maxsize 4294967296
suffix "${BASE_DN}"
rootdn "${rootDn}"
rootpw admin-secret
directory ${join(dir, 'db')}
index objectClass eq
limits dn.exact="${serviceDn}" size.soft=${sizeLimit} size.hard=${sizeLimit} size.prtotal=unlimited
access to attrs=userPassword by dn.exact="${serviceDn}" read by anonymous auth by * none
access to * by * read
`;
    const confFile = join(dir, 'slapd.conf');
    await writeFile(confFile, conf);
    const ldif = join(dir, 'data.ldif');
    const out = createWriteStream(ldif);
    out.write(directorySkeleton());
    for (let i = 0; i < opts.accounts; i++) {
      if (!out.write(generatedAccount(i).ldif)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    opts.log?.(`slapadd ${opts.accounts} accounts`);
    await must('slapadd', ['-q', '-f', confFile, '-l', ldif], 600_000);
    await rm(ldif);
    await writeFile(join(dir, 'root.pw'), 'admin-secret\n');
    await writeFile(join(dir, 'svc.pw'), 'svc-secret\n');
    const port = await freePort();
    const sport = await freePort();
    child = spawn('/usr/sbin/slapd', ['-f', confFile, '-h', `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${sport}/`, '-d', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 8192) stderr += d.toString();
    });
    const proc = child;
    const alive = (): boolean => proc.exitCode === null && proc.signalCode === null;
    try {
      await waitForPort(port, 20_000, alive);
      await waitForPort(sport, 20_000, alive);
    } catch (err) {
      throw new Error(`slapd did not start: ${(err as Error).message}\n${stderr}`, { cause: err });
    }
    const stop = async (): Promise<void> => {
      if (alive()) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await once(proc, 'exit').catch(() => {});
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    };
    return {
      dir,
      url: `ldap://127.0.0.1:${port}`,
      ldapsUrl: `ldaps://127.0.0.1:${sport}`,
      caFile: certs.ca,
      baseDn: BASE_DN,
      rootDn,
      rootPasswordFile: join(dir, 'root.pw'),
      serviceDn,
      servicePasswordFile: join(dir, 'svc.pw'),
      sizeLimit,
      pid: proc.pid!,
      stop,
    };
  } catch (err) {
    child?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
