/**
 * `lifeboat inventory collect` on account exports shaped like real ones, through bin/lifeboat:
 * a Get-CsUser | Export-Csv file (UTF-16 LE with a BOM, #TYPE line) with a short and a long row
 * must exit 3 naming file, line and the columns a row lacks; a 20 MB line must stop with a clear
 * error while the process stays small (peak resident memory measured with /usr/bin/time).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { lifeboatBin } from '../helpers/paths.js';
import { lifeboat, run } from '../helpers/run.js';
import { withTempDir } from '../helpers/tmp.js';

const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const HEADER = ['Identity', 'SipAddress', 'DisplayName', 'Enabled', 'HomeServer', 'RegistrarPool', 'EnterpriseVoiceEnabled', 'LineURI'];
const utf16 = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

describe('inventory collect on real-shaped account exports', { timeout: 120_000 }, () => {
  test('a short and a long row are reported with file, line and the columns lacking; exit 3', async () => {
    await withTempDir(async (dir) => {
      const ok = ['CN=Anna,OU=Users,DC=contoso,DC=com', 'sip:anna@contoso.com', 'Anna', 'True', '', 'pool01.contoso.com', 'False', ''];
      // an export cut short after DisplayName (hand-edited, or a Select-Object mismatch pasted in)
      const short = ['CN=Bert,OU=Users,DC=contoso,DC=com', 'sip:bert@contoso.com', 'Bert'];
      const long = ['CN=Carl,OU=Users,DC=contoso,DC=com', 'sip:carl@contoso.com', 'Carl', 'True', '', 'pool02.contoso.com', 'False', '', 'surplus'];
      const text = `#TYPE Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser\r\n${[HEADER, ok, short, long].map((r) => r.map(q).join(',')).join('\r\n')}\r\n`;
      const path = join(dir, 'users.csv');
      await writeFile(path, utf16(text));
      const r = await lifeboat(undefined, ['inventory', 'collect', '--preset', 'sfb', '--source', `csv:${path}`, '-o', join(dir, 'doc.json')]);
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: line 4 \\(sip:bert@contoso.com\\) has 3 of the header's 8 fields; it lacks Enabled, HomeServer, RegistrarPool, EnterpriseVoiceEnabled, LineURI`,
        ),
      );
      assert.match(r.stderr, /line 5 \(sip:carl@contoso\.com\) has 1 field more than the header/);
      const doc = JSON.parse(await readFile(join(dir, 'doc.json'), 'utf8')) as { accounts: { id: string; homePool: string | null }[]; sources: { warnings: string[] }[] };
      // every account is still in the document; the warnings say which ones to distrust
      assert.deepEqual(doc.accounts.map((a) => a.id).sort(), ['sip:anna@contoso.com', 'sip:bert@contoso.com', 'sip:carl@contoso.com']);
      assert.equal(doc.sources[0]!.warnings.filter((w) => w.includes('users.csv: line')).length, 2);
    });
  });

  test('a 20 MB line stops with an error naming the line, and memory stays bounded', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'huge.csv');
      const out = createWriteStream(path);
      out.write('"SipAddress","DisplayName","RegistrarPool"\r\n"sip:a@contoso.com","A","pool01.contoso.com"\r\n"sip:b@contoso.com","');
      const block = 'x'.repeat(1024 * 1024);
      for (let i = 0; i < 20; i++) if (!out.write(block)) await once(out, 'drain');
      out.end('","pool01.contoso.com"\r\n');
      await once(out, 'finish');
      // GNU time prints the child's peak resident set size (KiB) as the last stderr line
      const r = await run('/usr/bin/time', ['-f', '%M', process.execPath, lifeboatBin, 'inventory', 'collect', '--preset', 'sfb', '--source', `csv:${path}`, '-o', join(dir, 'doc.json')]);
      const lines = r.stderr.trim().split('\n');
      const peakMiB = Number(lines.at(-1)) / 1024;
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /huge\.csv: the record starting on line 3 is longer than 1048576 characters/);
      // before streaming with a record limit this took 824–903 MiB; Node itself needs ~50–80 MiB
      assert.ok(peakMiB > 20 && peakMiB < 200, `peak resident memory ${peakMiB.toFixed(0)} MiB`);
    });
  });
});
