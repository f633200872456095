/** The collector contract for the collectors that need no server (ldap and postgres run it in their suites). */
import { after, before, describe } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../../test/helpers/paths.js';
import { runCollectorContract } from '../testing/collector-contract.case.js';
import { topologyXml } from '../testing/directory-fixture.js';

describe('collector contract', { timeout: 60_000 }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-contract-'));
    await writeFile(join(dir, 't.xml'), topologyXml());
    await writeFile(join(dir, 'u.csv'), '"SipAddress","RegistrarPool"\r\n"sip:a@x","pool01.contoso.com"\r\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  runCollectorContract('host', () => ({ type: 'host' }), projectRoot);
  runCollectorContract('csv', () => ({ type: 'csv', path: join(dir, 'u.csv'), preset: 'sfb' }), projectRoot);
  runCollectorContract('sfb-topology', () => ({ type: 'sfb-topology', path: join(dir, 't.xml') }), projectRoot);
});
