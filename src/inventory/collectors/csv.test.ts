/**
 * CSV/JSON exports as admins produce them: Get-CsUser | Export-Csv in every encoding Windows
 * PowerShell and PowerShell 7 write, #TYPE lines, quoted fields with commas, quotes and line
 * breaks, ConvertTo-Json arrays and single objects.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { collectInventory } from '../collect.js';
import { topologyXml } from '../testing/directory-fixture.js';
import { openCsv, parseCsv, parseCsvRows } from './csv-parse.js';
import { decodeText, detectEncoding, detectFileEncoding } from './text-decode.js';

const HEADER = ['Identity', 'SipAddress', 'DisplayName', 'Enabled', 'RegistrarPool', 'HomeServer', 'HostingProvider', 'EnterpriseVoiceEnabled', 'LineURI', 'ConferencingPolicy', 'VoicePolicy'];
const ROWS = [
  [
    'CN=Ken Myer,OU=Users,DC=contoso,DC=com',
    'sip:kenmyer@contoso.com',
    'Myer, Ken',
    'True',
    'pool01.contoso.com',
    'CN=Lc Services,CN=Microsoft,CN=1:1,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration,DC=contoso,DC=com',
    'SRV:',
    'True',
    'tel:+14255550100;ext=100',
    'Tag:Conf-Std',
    '',
  ],
  ['CN=Zoë Ünal,OU=Users,DC=contoso,DC=com', 'sip:zoe@contoso.com', 'Zoë "Z" Ünal', 'False', 'pool02.contoso.com', '', 'SRV:', 'False', '', '', 'Tag:Intl'],
  [
    'CN=李小龍,OU=Users,DC=contoso,DC=com',
    'sip:li@contoso.com',
    '李小龍\nsecond line',
    'True',
    '',
    'CN=Lc Services,CN=Microsoft,CN=2:1,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration,DC=contoso,DC=com',
    'SRV:',
    'False',
    '',
    '',
    '',
  ],
  ['CN=Online User,OU=Users,DC=contoso,DC=com', 'sip:online@contoso.com', 'Online User', 'True', '', '', 'sipfed.online.lync.com', 'False', '', '', ''],
  ['CN=Nobody,OU=Users,DC=contoso,DC=com', 'sip:nobody@contoso.com', 'Nobody', 'True', '', '', 'SRV:', 'False', '', '', ''],
];

/** Export-Csv style: every field quoted, "" for quotes, CRLF. */
function exportCsv(typeLine: boolean): string {
  const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  const lines = [HEADER.map(q).join(','), ...ROWS.map((r) => r.map(q).join(','))];
  return `${typeLine ? '#TYPE Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser\r\n' : ''}${lines.join('\r\n')}\r\n`;
}

function encode(text: string, enc: 'utf8' | 'utf8bom' | 'utf16le' | 'utf16be'): Buffer {
  switch (enc) {
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'utf8bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16be': {
      const b = Buffer.from(text, 'utf16le');
      b.swap16();
      return Buffer.concat([Buffer.from([0xfe, 0xff]), b]);
    }
  }
}

describe('csv collector', () => {
  for (const enc of ['utf8', 'utf8bom', 'utf16le', 'utf16be'] as const) {
    for (const typeLine of [true, false]) {
      test(`Get-CsUser | Export-Csv in ${enc}${typeLine ? ' with a #TYPE line' : ''}`, async () => {
        await withTempDir(async (dir) => {
          const path = join(dir, 'users.csv');
          await writeFile(path, encode(exportCsv(typeLine), enc));
          const topologyFile = join(dir, 'topology.xml');
          await writeFile(topologyFile, topologyXml());
          const doc = await collectInventory([{ type: 'csv', name: 'cs-users', path, preset: 'sfb', topologyFile }]);
          assert.equal(doc.sources[0]!.status, 'ok', JSON.stringify(doc.sources[0]));
          assert.equal(doc.accounts.length, 5);
          const by = new Map(doc.accounts.map((a) => [a.id, a]));
          const ken = by.get('sip:kenmyer@contoso.com')!;
          assert.equal(ken.displayName, 'Myer, Ken');
          assert.equal(ken.homePool, 'pool01.contoso.com');
          assert.equal(ken.enabled, true);
          assert.equal(ken.attributes.LineURI, 'tel:+14255550100;ext=100');
          assert.equal(ken.attributes.ConferencingPolicy, 'Tag:Conf-Std');
          assert.equal(ken.attributes.EnterpriseVoiceEnabled, 'True');
          const zoe = by.get('sip:zoe@contoso.com')!;
          assert.equal(zoe.displayName, 'Zoë "Z" Ünal');
          assert.equal(zoe.enabled, false);
          assert.equal(zoe.homePool, 'pool02.contoso.com');
          // no RegistrarPool: the HomeServer DN resolves through the topology file
          const li = by.get('sip:li@contoso.com')!;
          assert.equal(li.displayName, '李小龍\nsecond line');
          assert.equal(li.homePool, 'pool03.contoso.com');
          assert.match(li.homeRaw!, /^CN=Lc Services/);
          assert.equal(by.get('sip:online@contoso.com')!.homing, 'online');
          assert.equal(by.get('sip:online@contoso.com')!.homePool, 'sipfed.online.lync.com');
          assert.equal(by.get('sip:nobody@contoso.com')!.homePool, null);
          assert.deepEqual(doc.summary.accountsPerPool, [
            { pool: 'pool01.contoso.com', count: 1 },
            { pool: 'pool02.contoso.com', count: 1 },
            { pool: 'pool03.contoso.com', count: 1 },
            { pool: 'sipfed.online.lync.com', count: 1 },
            { pool: null, count: 1 },
          ]);
        });
      });
    }
  }

  test('ConvertTo-Json: an array, and a single object (one user)', async () => {
    await withTempDir(async (dir) => {
      const arr = join(dir, 'users.json');
      const objs = ROWS.map((r) => Object.fromEntries(HEADER.map((h, i) => [h, h === 'Enabled' || h === 'EnterpriseVoiceEnabled' ? r[i] === 'True' : r[i]])));
      await writeFile(arr, encode(JSON.stringify(objs, null, 4), 'utf16le'));
      const one = join(dir, 'one.json');
      await writeFile(one, JSON.stringify({ ...objs[0], Policy: { Name: 'x' }, ProxyAddresses: ['a', 'b'] }));
      const doc = await collectInventory([
        { type: 'csv', name: 'all', path: arr, preset: 'sfb' },
        { type: 'csv', name: 'one', path: one, preset: 'sfb' },
      ]);
      assert.equal(doc.accounts.filter((a) => a.source === 'all').length, 5);
      const single = doc.accounts.filter((a) => a.source === 'one');
      assert.equal(single.length, 1);
      assert.equal(single[0]!.enabled, true);
      assert.equal(single[0]!.attributes.EnterpriseVoiceEnabled, true);
      assert.equal(single[0]!.attributes.Policy, '{"Name":"x"}');
      assert.deepEqual(single[0]!.attributes.ProxyAddresses, ['a', 'b']);
    });
  });

  test('custom columns, secret-looking columns dropped, missing ids warned, Windows-1252 read', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'export.csv');
      const text = 'Login;Pool;Name;Password;Dept\r\nmüller;poolA;Jörg Müller;hunter2;Sales\r\n;poolA;No Id;x;\r\nbob;;Bob;pw;IT\r\n';
      await writeFile(path, Buffer.from(text, 'latin1'));
      const doc = await collectInventory([{ type: 'csv', path, delimiter: ';', columns: { id: 'Login', homePool: 'Pool', displayName: 'Name' } }]);
      const src = doc.sources[0]!;
      assert.equal(doc.accounts.length, 2);
      assert.equal(doc.accounts.find((a) => a.id === 'müller')?.displayName, 'Jörg Müller');
      assert.ok(src.warnings.some((w) => w.includes('1 rows have no Login')));
      assert.ok(src.warnings.some((w) => w.includes('Password')));
      assert.ok(!JSON.stringify(doc).includes('hunter2'));
      assert.deepEqual(doc.summary.accountsPerPool, [
        { pool: 'poolA', count: 1 },
        { pool: null, count: 1 },
      ]);
    });
  });

  test('an unterminated quoted field fails the source with the line number', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'bad.csv');
      await writeFile(path, '"SipAddress","DisplayName"\r\n"sip:a@b","ok"\r\n"sip:c@d","broken\r\n');
      const doc = await collectInventory([{ type: 'csv', path, preset: 'sfb' }]);
      assert.equal(doc.sources[0]!.status, 'failed');
      assert.match(doc.sources[0]!.errors[0]!, /bad\.csv: unterminated quoted field starting on line 3/);
    });
  });
});

describe('streamed reading of large exports', () => {
  // 3000 rows ≈ 200 KB: several 64 KiB read chunks, so multi-byte characters and line breaks
  // inside quoted fields fall across chunk boundaries
  const names = Array.from({ length: 3000 }, (_, i) => `Zoë 李 ${i}${i % 500 === 7 ? '\nzweite Zeile' : ''}`);
  const text = `#TYPE Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser\r\n"SipAddress","DisplayName","RegistrarPool"\r\n${names
    .map((n, i) => `"sip:u${i}@contoso.com","${n}","pool01.contoso.com"`)
    .join('\r\n')}\r\n`;

  for (const enc of ['utf8', 'utf16le', 'utf16be'] as const) {
    test(`${enc}: every row, names intact, line numbers counted from the file`, async () => {
      await withTempDir(async (dir) => {
        const path = join(dir, 'big.csv');
        await writeFile(path, encode(text, enc));
        const csv = await openCsv(path);
        const got: [string, number][] = [];
        for await (const r of csv.records) got.push([r.values.DisplayName!, r.line]);
        assert.equal(csv.typeName, 'Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser');
        assert.deepEqual(
          got.map(([n]) => n),
          names,
        );
        // row k starts on line 3 + k plus one for each earlier two-line name
        assert.equal(got[8]![1], 3 + 8 + 1);
        assert.equal(got[2999]![1], 3 + 2999 + 6);
      });
    });
  }

  test('Windows-1252 is recognised even when the first non-UTF-8 byte comes after the first chunk', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'ansi.csv');
      await writeFile(path, Buffer.from(`"SipAddress","DisplayName"\r\n${'"sip:a@x","plain"\r\n'.repeat(5000)}"sip:m@x","Jörg Müller"\r\n`, 'latin1'));
      assert.equal(await detectFileEncoding(path), 'windows-1252');
      const csv = await openCsv(path);
      let last = '';
      for await (const r of csv.records) last = r.values.DisplayName!;
      assert.equal(last, 'Jörg Müller');
    });
  });
});

describe('CSV parsing and text decoding', () => {
  test('quoted fields round-trip whatever they contain', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Z', ',', '"', '\n', '\r\n', ' ', 'é', '李', ';') });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }), (rows) => {
        const width = rows[0]!.length;
        const table = rows.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? ''));
        const text = table.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(',')).join('\r\n');
        assert.deepEqual(parseCsvRows(text), table);
      }),
      { numRuns: 200 },
    );
  });

  test('unquoted fields, LF endings, a trailing line without newline, blank lines', () => {
    assert.deepEqual(parseCsvRows('a,b\n\n1,2\n3,"x\ny"'), [
      ['a', 'b'],
      ['1', '2'],
      ['3', 'x\ny'],
    ]);
    const t = parseCsv('#TYPE Selected.Microsoft.Rtc\r\nA,B\r\n1\r\n');
    assert.equal(t.typeName, 'Selected.Microsoft.Rtc');
    assert.deepEqual(t.records, [{ A: '1', B: '' }]);
  });

  test('encodings: BOMs decide, BOM-less UTF-16 is recognised, invalid UTF-8 falls back to Windows-1252', () => {
    assert.equal(detectEncoding(encode('abc', 'utf8bom')), 'utf-8-bom');
    assert.equal(detectEncoding(encode('abc', 'utf16le')), 'utf-16le');
    assert.equal(detectEncoding(encode('abc', 'utf16be')), 'utf-16be');
    assert.equal(detectEncoding(Buffer.from('"Sip","x"', 'utf16le')), 'utf-16le');
    assert.equal(decodeText(Buffer.from('"Sip","x"', 'utf16le')).text, '"Sip","x"');
    assert.deepEqual(decodeText(Buffer.from([0x4d, 0xfc, 0x80])), { text: 'Mü€', encoding: 'windows-1252' });
    assert.equal(decodeText(encode('Zoë 李', 'utf16be')).text, 'Zoë 李');
  });
});
