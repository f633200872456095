/**
 * The readiness gate on a plan and an exports directory shaped like a real Skype for Business
 * backup run: zips built here with yazl as Export-CsConfiguration (DocItemSet.xml in UTF-16 with a
 * byte order mark) and Export-CsUserData (DocItemSet.xml listing HomedResource elements) write
 * them, SQL Server .bak files starting with their Microsoft Tape Format header.
 */
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import yazl from 'yazl';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { parsePlanFile } from '../plan-file.js';
import { loadChecklist } from './checklist.js';
import { type ReadinessInventory, type ReadinessReport, evaluateReadiness } from './gate.js';
import { renderReadiness } from './render.js';

const POOL1 = 'pool01.contoso.com';
const POOL2 = 'pool02.contoso.com';

const inventory: ReadinessInventory = {
  pools: [
    { fqdn: POOL1, kind: 'front-end', services: ['Registrar', 'UserServices', 'ApplicationServer'] },
    { fqdn: POOL2, kind: 'front-end', services: ['Registrar', 'UserServices'] },
    { fqdn: 'sql01.contoso.com', kind: 'sql-store', services: ['UserStore'] },
    { fqdn: 'edge.contoso.com', kind: 'edge', services: ['EdgeServer'] },
  ],
  accountsPerPool: [
    { pool: POOL1, count: 3 },
    { pool: POOL2, count: 2 },
    { pool: null, count: 1 },
  ],
  sources: [{ name: 'directory', type: 'ldap', status: 'ok' }],
};

function zip(path: string, entries: Record<string, Buffer | string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    for (const [name, data] of Object.entries(entries)) z.addBuffer(Buffer.isBuffer(data) ? data : Buffer.from(data), name);
    z.end();
    z.outputStream.pipe(createWriteStream(path)).on('close', resolve).on('error', reject);
  });
}

const utf16 = (s: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);

function configurationXml(pools: string[]): string {
  const topology = `<Topology xmlns="urn:schema:Microsoft.Rtc.Management.Deploy.Topology.2008">${pools.map((p, i) => `<Cluster Fqdn="${p}"><ClusterId SiteId="1" Number="${i + 1}"/></Cluster>`).join('')}</Topology>`;
  return `<?xml version="1.0" encoding="utf-16"?>\r\n<DocItemSet xmlns="urn:schema:Microsoft.Rtc.Management.Xds.2008" Version="1"><DocItem Name="urn:xds:Microsoft.Rtc.Management.Deploy.Topology.2008:Topology" Id="1"><Data>${topology.replace(/</g, '&lt;')}</Data></DocItem></DocItemSet>`;
}

function userDataXml(users: string[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>\r\n<DocItemSet xmlns="urn:schema:Microsoft.Rtc.Management.UserData.2008" Version="1">${users
    .map(
      (u) =>
        `<DocItem Name="urn:hr:${u}"><Data><HomedResource xmlns="urn:schema:Microsoft.Rtc.Management.UserData.2008"><ContactGroups><ContactGroup Number="1" DisplayName="fg=="/></ContactGroups><Contacts><Contact Buddy="sip:ken@contoso.com" Groups="1"/></Contacts></HomedResource></Data></DocItem>`,
    )
    .join('')}</DocItemSet>`;
}

const bak = (): Buffer => Buffer.concat([Buffer.from('TAPE'), Buffer.alloc(1020, 1)]);

/** A complete run: every always-required item produced, as an admin's backup script leaves it. */
async function completeExports(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await zip(join(dir, 'CsConfiguration-2026-11-02.zip'), { 'DocItemSet.xml': utf16(configurationXml([POOL1, POOL2, 'edge.contoso.com'])), 'MetaData.xml': '<Meta/>' });
  await zip(join(dir, `UserData-${POOL1}.zip`), { 'DocItemSet.xml': userDataXml(['a@contoso.com', 'b@contoso.com', 'c@contoso.com']), 'MetaData.xml': '<Meta/>' });
  await zip(join(dir, `UserData-${POOL2}.zip`), { 'DocItemSet.xml': userDataXml(['d@contoso.com', 'e@contoso.com']), 'MetaData.xml': '<Meta/>' });
  await writeFile(join(dir, 'rtcxds_full.bak'), bak());
  await writeFile(join(dir, 'fe-certificates.pfx'), Buffer.from([0x30, 0x82, 0x0a, 0x10, 0x02, 0x01, 0x03]));
}

function plan(dir: string, extra = ''): ReturnType<typeof parsePlanFile> {
  return parsePlanFile(
    [
      'repository: /srv/lifeboat',
      'checklist: sfb-2019',
      'readiness:',
      '  exports: exports',
      '  maxAge: 7d',
      'sources:',
      '  - name: file-store',
      '    files: [/mnt/fileshare]',
      '    exclude: [Meeting.Active]',
      ...(extra ? [extra] : []),
      'inventory:',
      '  sources:',
      '    - { type: ldap, name: directory, url: ldap://dc01.contoso.com, baseDn: "DC=contoso,DC=com", preset: sfb }',
    ].join('\n'),
    join(dir, 'lifeboat.yaml'),
  );
}

const byKey = (r: ReadinessReport): Record<string, string> => Object.fromEntries(r.items.map((i) => [`${i.id}${i.pool ? `:${i.pool}` : ''}`, i.status]));

describe('readiness gate', () => {
  test('the three checklists load and cite a source for every item', async () => {
    for (const name of ['sfb-2019', 'sfb-2015', 'lync-2013']) {
      const c = await loadChecklist(name);
      assert.equal(c.name, name);
      assert.ok(c.items.length >= 10);
      for (const i of c.items) assert.ok(i.sources.length > 0 && i.sources.every((s) => /^[AB] \S+\.md$/.test(s)), `${name} ${i.id}`);
    }
    await assert.rejects(loadChecklist('sfb-2010'), /unknown checklist sfb-2010/);
  });

  test('a complete plan: nothing red; exports verified by their content', async () => {
    await withTempDir(async (dir) => {
      await completeExports(join(dir, 'exports'));
      const r = await evaluateReadiness({ checklist: await loadChecklist('sfb-2019'), plan: plan(dir), inventory });
      assert.deepEqual(r.red, [], renderReadiness(r));
      const s = byKey(r);
      assert.equal(s['cms-configuration'], 'verified');
      assert.equal(s[`user-data:${POOL1}`], 'verified');
      assert.equal(s[`user-data:${POOL2}`], 'verified');
      assert.equal(s['sql-user-store'], 'verified');
      assert.equal(s['file-stores'], 'unverified'); // produced when the point is made
      assert.equal(s['ad-inventory'], 'unverified');
      assert.equal(s.certificates, 'unverified'); // keys cannot be read without the password
      assert.equal(s['sql-archiving'], 'not-required');
      assert.equal(s['persistent-chat-data'], 'not-required');
      assert.match(r.items.find((i) => i.id === 'cms-configuration')!.detail, /all 2 pools of the topology source are in it/);
      assert.match(r.items.find((i) => i.pool === POOL1)!.detail, /3 users, as many as the inventory has on pool01/);
    });
  });

  test('user data missing for one pool: red, with the exact command for that pool', async () => {
    await withTempDir(async (dir) => {
      await completeExports(join(dir, 'exports'));
      await rm(join(dir, 'exports', `UserData-${POOL2}.zip`));
      const r = await evaluateReadiness({ checklist: await loadChecklist('sfb-2019'), plan: plan(dir), inventory });
      assert.deepEqual(
        r.red.map((i) => `${i.id}:${i.pool} ${i.status}`),
        [`user-data:${POOL2} missing`],
      );
      assert.equal(r.red[0]!.produce, `Export-CsUserData -PoolFqdn ${POOL2} -FileName UserData-${POOL2}.zip`);
      assert.match(
        renderReadiness(r),
        new RegExp(`NOT READY: 1 required item is missing.*\\n.*pool ${POOL2.replace(/\./g, '\\.')}\\): missing\\n +produce it with: Export-CsUserData -PoolFqdn ${POOL2.replace(/\./g, '\\.')}`),
      );
    });
  });

  test('a stale export is red; within the limit it is not', async () => {
    await withTempDir(async (dir) => {
      await completeExports(join(dir, 'exports'));
      const old = new Date(Date.now() - 10 * 86_400_000);
      await utimes(join(dir, 'exports', 'rtcxds_full.bak'), old, old);
      const r = await evaluateReadiness({ checklist: await loadChecklist('sfb-2019'), plan: plan(dir), inventory });
      assert.deepEqual(
        r.red.map((i) => `${i.id} ${i.status}`),
        ['sql-user-store stale'],
      );
      assert.match(r.red[0]!.detail, /10 days old, older than the plan's limit of 7 days/);
      const lenient = parsePlanFile(
        `repository: /srv/lifeboat\nchecklist: sfb-2019\nreadiness: { exports: exports, maxAge: 2w }\nsources: [{ name: file-store, files: [/mnt/fileshare], exclude: [Meeting.Active] }]\ninventory: { sources: [{ type: ldap, name: directory, url: 'ldap://dc01', baseDn: 'DC=contoso,DC=com', preset: sfb }] }\n`,
        join(dir, 'lifeboat.yaml'),
      );
      const r2 = await evaluateReadiness({ checklist: await loadChecklist('sfb-2019'), plan: lenient, inventory });
      assert.deepEqual(r2.red, []);
    });
  });

  test('content that does not match: a pool absent from the configuration, a user count off, a damaged zip, a file that is no SQL backup', async () => {
    await withTempDir(async (dir) => {
      const ex = join(dir, 'exports');
      await completeExports(ex);
      await zip(join(ex, 'CsConfiguration-2026-11-02.zip'), { 'DocItemSet.xml': utf16(configurationXml([POOL1])) });
      await zip(join(ex, `UserData-${POOL1}.zip`), { 'DocItemSet.xml': userDataXml(['a@contoso.com']) });
      await writeFile(join(ex, `UserData-${POOL2}.zip`), 'PK\u0003\u0004 cut short by a full disk');
      await writeFile(join(ex, 'rtcxds_full.bak'), 'BACKUP DATABASE rtcxds: Msg 3201, cannot open backup device');
      const r = await evaluateReadiness({ checklist: await loadChecklist('sfb-2019'), plan: plan(dir), inventory });
      const red = Object.fromEntries(r.red.map((i) => [`${i.id}${i.pool ? `:${i.pool}` : ''}`, `${i.status}: ${i.detail}`]));
      assert.match(red['cms-configuration']!, /^failed: .*pools of the topology source not in the configuration: pool02\.contoso\.com/);
      assert.match(red[`user-data:${POOL1}`]!, /^failed: .*lists 1 users but the inventory has 3 accounts on pool01\.contoso\.com/);
      assert.match(red[`user-data:${POOL2}`]!, /^failed: .*the zip does not open/);
      assert.match(red['sql-user-store']!, /^failed: .*no Microsoft Tape Format header/);
    });
  });

  test('command sources: matched by cmdlet and pool, forbidden switches refused, verified by the point proof', async () => {
    await withTempDir(async (dir) => {
      await completeExports(join(dir, 'exports'));
      await rm(join(dir, 'exports', `UserData-${POOL2}.zip`));
      const p = plan(
        dir,
        [
          '  - name: userdata-pool02',
          '    command:',
          `      backup: [ssh, admin@fe02, pwsh, -Command, "Export-CsUserData -PoolFqdn ${POOL2} -FileName C:/x.zip; Get-Content -AsByteStream C:/x.zip"]`,
          '      verify: [unzip, -tq, /dev/stdin]',
          '  - name: rgs',
          '    command:',
          `      backup: "pwsh -Command 'Export-CsRgsConfiguration -Source ApplicationServer:${POOL1} -FileName r.zip -RemoveExportedConfiguration'"`,
        ].join('\n'),
      );
      assert.equal(p.sources.length, 3);
      const checklist = await loadChecklist('sfb-2019');
      const before = await evaluateReadiness({ checklist, plan: p, inventory });
      const rgs = before.items.find((i) => i.id === 'rgs-configuration')!;
      assert.equal(rgs.status, 'failed');
      assert.equal(rgs.required, false);
      assert.match(rgs.detail, /-RemoveExportedConfiguration/);
      assert.deepEqual(before.red, []); // Response Group not declared deployed
      const ud = before.items.find((i) => i.pool === POOL2)!;
      assert.deepEqual([ud.status, ud.evidence], ['unverified', 'source:userdata-pool02']);
      const after = await evaluateReadiness({
        checklist,
        plan: p,
        inventory,
        proof: [
          { name: 'verify:userdata-pool02', ok: true, detail: 'unzip -tq accepted the restored dump' },
          { name: 'drill:file-store', ok: true, detail: '20 files restored, 20 identical' },
        ],
      });
      assert.equal(after.items.find((i) => i.pool === POOL2)!.status, 'verified');
      assert.equal(after.items.find((i) => i.id === 'file-stores')!.status, 'verified');
      assert.equal(after.items.find((i) => i.id === 'ad-inventory')!.status, 'verified');
      const failing = await evaluateReadiness({ checklist, plan: p, inventory, proof: [{ name: 'verify:userdata-pool02', ok: false, detail: 'unzip exited 9' }] });
      assert.deepEqual(
        failing.red.map((i) => `${i.id}:${i.pool} ${i.status}`),
        [`user-data:${POOL2} failed`],
      );
    });
  });

  test('deployed features become required; a file store that does not exclude Meeting.Active fails', async () => {
    await withTempDir(async (dir) => {
      await completeExports(join(dir, 'exports'));
      const p = parsePlanFile(
        'repository: /r\nchecklist: lync-2013\nreadiness: { exports: exports, deployed: [archiving] }\nsources: [{ name: file-store, files: [/mnt/fileshare] }]\n',
        join(dir, 'lifeboat.yaml'),
      );
      const withPchat = { ...inventory, pools: [...inventory.pools, { fqdn: 'pchat.contoso.com', kind: 'persistent-chat', services: ['PersistentChatServer'] }] };
      const r = await evaluateReadiness({ checklist: await loadChecklist('lync-2013'), plan: p, inventory: withPchat });
      const red = r.red.map((i) => `${i.id}${i.pool ? `:${i.pool}` : ''} ${i.status}`).sort();
      assert.deepEqual(red, ['ad-inventory missing', 'file-stores failed', 'persistent-chat-data missing', 'sql-archiving missing', 'sql-persistent-chat missing']);
      assert.match(r.red.find((i) => i.id === 'file-stores')!.detail, /does not exclude Meeting\.Active/);
      assert.equal(r.red.find((i) => i.id === 'persistent-chat-data')!.warning, 'never add -DisableExportedNodes, which disables the exported nodes');
    });
  });

  test('no inventory: per-pool items cannot be judged and say so', async () => {
    await withTempDir(async (dir) => {
      await completeExports(join(dir, 'exports'));
      const p = parsePlanFile(
        'repository: /r\nchecklist: sfb-2015\nreadiness: { exports: exports }\nsources: [{ name: file-store, files: [/mnt/fileshare], exclude: [Meeting.Active] }]\n',
        join(dir, 'lifeboat.yaml'),
      );
      const r = await evaluateReadiness({ checklist: await loadChecklist('sfb-2015'), plan: p, inventory: null });
      const ud = r.items.find((i) => i.id === 'user-data')!;
      assert.equal(ud.status, 'missing');
      assert.match(ud.detail, /no inventory/);
    });
  });
});
