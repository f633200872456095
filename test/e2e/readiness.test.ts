/**
 * The readiness gate through the CLI, with a real slapd whose accounts are homed on Skype for
 * Business pools (the AD item, and which pools need a user data export) and an exports directory
 * filled as an admin's backup run fills it: `lifeboat ready` red then green, `--strict` for a
 * change pipeline, a stale export, and `point create` with a pool's user data missing: the point
 * is saved, the command exits 3 and names the missing export with the command that produces it.
 */
import assert from 'node:assert/strict';
import { createWriteStream, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import yazl from 'yazl';
import { collectInventory } from '../../src/inventory/collect.js';
import type { LdapSourceConfig } from '../../src/inventory/index.js';
import { startSlapd, type Slapd } from '../../src/inventory/testing/slapd.js';
import { topologyXml } from '../../src/inventory/testing/directory-fixture.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

function zip(path: string, entries: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    for (const [name, data] of Object.entries(entries)) z.addBuffer(Buffer.from(data), name);
    z.end();
    z.outputStream.pipe(createWriteStream(path)).on('close', resolve).on('error', reject);
  });
}

interface ReadyJson {
  red: { id: string; pool: string | null; status: string; produce: string }[];
  items: { id: string; pool: string | null; status: string }[];
}

describe('readiness gate, end to end', () => {
  let work: string;
  let slapd: Slapd;

  before(async () => {
    work = await makeTempDir('lifeboat-ready-');
    slapd = await startSlapd({ accounts: 40 });
  });

  after(async () => {
    await slapd?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('ready: red, then green once the exports are there; stale export; point create with a pool missing', async () => {
    const repo = join(work, 'repo');
    const exportsDir = join(work, 'exports');
    const share = join(work, 'fileshare');
    mkdirSync(join(share, 'meetings'), { recursive: true });
    writeFileSync(join(share, 'meetings', 'slides.pptx'), 'slides');
    writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`);
    // Get-CsTopology -AsXml output resolves pool 2:1; pool 3:1 is in no source (accounts homed on a pool nobody knows)
    const topologyFile = join(work, 'topology.xml');
    writeFileSync(topologyFile, topologyXml());
    const ldap: LdapSourceConfig = {
      type: 'ldap',
      name: 'directory',
      url: slapd.url,
      bindDn: slapd.serviceDn,
      passwordFile: slapd.servicePasswordFile,
      baseDn: slapd.baseDn,
      preset: 'sfb',
      topologyFile,
    };
    const planFile = join(work, 'lifeboat.yaml');
    writeFileSync(
      planFile,
      [
        `repository: ${repo}`,
        'passwordFile: repo.pw',
        'host: fe01',
        'checklist: sfb-2019',
        'readiness:',
        '  exports: exports',
        '  maxAge: 3d',
        'sources:',
        '  - name: file-store',
        `    files: [${share}]`,
        '    exclude: [Meeting.Active]',
        'inventory:',
        '  sources:',
        '    - type: ldap',
        '      name: directory',
        `      url: ${slapd.url}`,
        `      bindDn: ${slapd.serviceDn}`,
        `      passwordFile: ${slapd.servicePasswordFile}`,
        `      baseDn: ${slapd.baseDn}`,
        '      preset: sfb',
        `      topologyFile: ${topologyFile}`,
        '',
      ].join('\n'),
    );
    const env = { LIFEBOAT_PASSWORD: '', HOME: work };
    const cli = (args: string[]) => lifeboat(undefined, [...args, '-c', planFile], { env });

    // nothing exported yet
    const red = await cli(['ready', '--json']);
    assert.equal(red.code, 3, red.stderr);
    const redReport = JSON.parse(red.stdout.toString()) as ReadyJson;
    const doc = await collectInventory([ldap]);
    const onPremises = doc.accounts.filter((a) => a.homing === 'on-premises' && a.homePool);
    const withAccounts = [...new Set(onPremises.map((a) => a.homePool!))].sort().map((pool) => ({ pool, count: onPremises.filter((a) => a.homePool === pool).length }));
    assert.deepEqual(
      withAccounts.map((p) => p.pool),
      ['3:1', 'pool01.contoso.com', 'pool02.contoso.com', 'pool03.contoso.com'],
    );
    assert.ok(
      doc.accounts.some((a) => a.homing === 'online'),
      'the fixture has accounts homed online, which need no user data export',
    );
    assert.deepEqual(
      redReport.red.map((i) => `${i.id}${i.pool ? `:${i.pool}` : ''}`).sort(),
      ['certificates', 'cms-configuration', 'sql-user-store', ...withAccounts.map((p) => `user-data:${p.pool}`)].sort(),
    );
    assert.match(JSON.stringify(redReport.red.find((i) => i.pool === '3:1')), /Export-CsUserData -PoolFqdn <FQDN of pool 3:1>/);
    assert.equal(redReport.items.find((i) => i.id === 'ad-inventory')!.status, 'unverified');
    const strict = await cli(['ready', '--strict']);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout.toString(), /NOT READY: \d+ required items are missing/);
    assert.match(strict.stdout.toString(), new RegExp(`produce it with: Export-CsUserData -PoolFqdn ${withAccounts[1]!.pool.replace(/\./g, '\\.')} -FileName UserData-`));

    // the admin's backup run
    mkdirSync(exportsDir, { recursive: true });
    const frontEnds = doc.pools.filter((p) => p.kind === 'front-end').map((p) => p.fqdn);
    await zip(join(exportsDir, 'CsConfiguration.zip'), {
      'DocItemSet.xml': `<DocItemSet>${frontEnds.map((f) => `<DocItem><Data>&lt;Cluster Fqdn="${f}"/&gt;</Data></DocItem>`).join('')}</DocItemSet>`,
    });
    for (const p of withAccounts) {
      const users = doc.accounts.filter((a) => a.homePool === p.pool);
      await zip(join(exportsDir, `UserData-${p.pool}.zip`), {
        'DocItemSet.xml': `<DocItemSet>${users.map((u) => `<DocItem Name="urn:hr:${u.sipAddress ?? u.id}"><Data><HomedResource/></Data></DocItem>`).join('')}</DocItemSet>`,
        'MetaData.xml': '<Meta/>',
      });
    }
    writeFileSync(join(exportsDir, 'rtcxds.bak'), Buffer.concat([Buffer.from('TAPE'), Buffer.alloc(2048)]));
    writeFileSync(join(exportsDir, 'fe01-certificates.pfx'), Buffer.from([0x30, 0x82, 0x09, 0xf1, 0x02, 0x01, 0x03]));
    // the admin knows pool 3:1's FQDN and names its export
    writeFileSync(planFile, readFileSync(planFile, 'utf8').replace('  maxAge: 3d\n', '  maxAge: 3d\n  provides:\n    "user-data:3:1": [UserData-3:1.zip]\n'));
    const green = await cli(['ready', '--strict']);
    assert.equal(green.code, 0, green.stdout.toString() + green.stderr);
    assert.match(green.stdout.toString(), /ok {4}cms-configuration: file:.*CsConfiguration\.zip: .*pools of the topology source are in it/);

    // an export older than the plan's limit
    const old = new Date(Date.now() - 5 * 86_400_000);
    utimesSync(join(exportsDir, 'rtcxds.bak'), old, old);
    const stale = await cli(['ready', '--json']);
    assert.equal(stale.code, 3);
    assert.deepEqual(
      (JSON.parse(stale.stdout.toString()) as ReadyJson).red.map((i) => `${i.id} ${i.status}`),
      ['sql-user-store stale'],
    );
    utimesSync(join(exportsDir, 'rtcxds.bak'), new Date(), new Date());

    // point create with one pool's user data missing: saved, exit 3, loud
    const missingPool = withAccounts[2]!.pool;
    rmSync(join(exportsDir, `UserData-${missingPool}.zip`));
    await lifeboatOk(repo, ['init']);
    // the red gate is announced to the plan's notify targets as a gate.red event
    const gateEvents = join(work, 'gate-events.jsonl');
    writeFileSync(planFile, `${readFileSync(planFile, 'utf8')}notify:\n  - on: [gate.red]\n    command: [sh, -c, 'cat >> ${gateEvents}']\n`);
    const created = await cli(['point', 'create']);
    assert.equal(created.code, 3, created.stderr);
    assert.match(
      created.stderr,
      new RegExp(`RESTORE POINT [0-9a-f]{8} WAS SAVED BUT IS NOT COMPLETE FOR SKYPE FOR BUSINESS SERVER 2019: missing, stale or failed: user-data \\(${missingPool.replace(/\./g, '\\.')}\\)`),
    );
    assert.match(created.stderr, new RegExp(`produce it with: Export-CsUserData -PoolFqdn ${missingPool.replace(/\./g, '\\.')} -FileName UserData-${missingPool.replace(/\./g, '\\.')}\\.zip`));
    assert.match(created.stdout.toString(), /proof {5}passed/);
    const pointId = /restore point ([0-9a-f]{8})/.exec(created.stdout.toString())![1]!;
    const gateRed = readFileSync(gateEvents, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; summary: string; failingSteps: { name: string }[] });
    assert.deepEqual(
      gateRed.map((e) => e.type),
      ['gate.red'],
    );
    assert.match(gateRed[0]!.summary, /readiness item\(s\) of sfb-2019/);
    assert.ok(
      gateRed[0]!.failingSteps.some((f) => f.name === `readiness:user-data:${missingPool}`),
      JSON.stringify(gateRed[0]!.failingSteps),
    );
    const shown = await cli(['point', 'show', pointId, '--json']);
    const manifest = JSON.parse(shown.stdout.toString()) as { warnings: string[]; proof: { ok: boolean } };
    assert.equal(manifest.proof.ok, true);
    assert.ok(
      manifest.warnings.some((w) => w.startsWith(`readiness: User data`) && w.includes(missingPool)),
      manifest.warnings.join('\n'),
    );
    // the journal records the point with its red gate
    const journal = JSON.parse((await cli(['journal', '--json'])).stdout.toString()) as { event: string; point: string; detail: Record<string, unknown> }[];
    assert.deepEqual(journal.find((r) => r.event === 'point-created' && r.point === pointId)?.detail.readinessRed, 1);
  });
});
