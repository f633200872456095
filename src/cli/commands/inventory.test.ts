/**
 * `lifeboat inventory collect|report|diff` end to end through commander, with output captured:
 * a config file → document → Markdown/HTML report → diff after accounts moved.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from '@commander-js/extra-typings';
import { actionRunner } from '../action.js';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { registerInventoryCommands } from './inventory.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function run(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  let code = -1;
  const program = new Command('lifeboat')
    .exitOverride()
    .option('-q, --quiet')
    .option('--json')
    .configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  const io = { stdout, stderr, isTty: false, env: process.env };
  registerInventoryCommands(
    program,
    actionRunner(io, new AbortController().signal, (c) => (code = c)),
  );
  const prev = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.chdir(prev);
  }
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
function usersCsv(rows: [string, string, string][]): string {
  return `#TYPE Selected.Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser\r\n"SipAddress","DisplayName","RegistrarPool","Enabled"\r\n${rows.map((r) => [...r, 'True'].map(q).join(',')).join('\r\n')}\r\n`;
}

describe('lifeboat inventory', () => {
  test('collect -c → report md/html/csv → diff', async () => {
    await withTempDir(async (dir) => {
      await writeFile(
        join(dir, 'users.csv'),
        usersCsv([
          ['sip:a@x.com', 'Anna', 'pool01.x.com'],
          ['sip:b@x.com', 'Bert', 'pool01.x.com'],
          ['sip:c@x.com', 'Carl', ''],
        ]),
      );
      await writeFile(join(dir, 'inventory.yaml'), 'sources:\n  - type: csv\n    name: cs-users\n    path: users.csv\n    preset: sfb\n');
      const c1 = await run(['inventory', 'collect', '-c', join(dir, 'inventory.yaml'), '-o', join(dir, 'old.json'), '--markdown', join(dir, 'old.md')]);
      assert.equal(c1.code, 0, c1.stderr);
      assert.equal(c1.stdout, '');
      assert.match(c1.stderr, /3 accounts on 1 pools/);
      const old = JSON.parse(await readFile(join(dir, 'old.json'), 'utf8'));
      assert.deepEqual(old.summary.accountsPerPool, [
        { pool: 'pool01.x.com', count: 2 },
        { pool: null, count: 1 },
      ]);
      assert.match(await readFile(join(dir, 'old.md'), 'utf8'), /## Accounts per pool/);

      const md = await run(['inventory', 'report', join(dir, 'old.json')]);
      assert.equal(md.code, 0);
      assert.match(md.stdout, /\| pool01\.x\.com \| {2}\| not in topology \| 2 \| 2 \| 0 \|/);
      const html = await run(['inventory', 'report', join(dir, 'old.json'), '--format', 'html', '-o', join(dir, 'r.html')]);
      assert.equal(html.code, 0);
      assert.match(await readFile(join(dir, 'r.html'), 'utf8'), /<title>Inventory /);
      const csv = await run(['inventory', 'report', join(dir, 'old.json'), '-f', 'csv']);
      assert.equal(csv.stdout.split('\r\n').length, 5);

      // one-off source, from the current directory, to stdout
      await writeFile(
        join(dir, 'users.csv'),
        usersCsv([
          ['sip:a@x.com', 'Anna', 'pool02.x.com'],
          ['sip:c@x.com', 'Carl', ''],
          ['sip:d@x.com', 'Dora', 'pool02.x.com'],
        ]),
      );
      const c2 = await run(['-q', 'inventory', 'collect', '--source', 'csv:users.csv', '--preset', 'sfb'], dir);
      assert.equal(c2.code, 0, c2.stderr);
      assert.equal(c2.stderr, '');
      await writeFile(join(dir, 'new.json'), c2.stdout.replace(/"name": "csv"/g, '"name": "cs-users"').replace(/"source": "csv"/g, '"source": "cs-users"'));

      const diff = await run(['inventory', 'diff', join(dir, 'old.json'), join(dir, 'new.json')]);
      assert.equal(diff.code, 0, diff.stderr);
      assert.match(diff.stdout, /1 added, 1 removed, 1 moved, 0 changed/);
      assert.match(diff.stdout, /~ Anna \[cs-users:sip:a@x\.com\]: pool01\.x\.com → pool02\.x\.com/);
      const dj = await run(['--json', 'inventory', 'diff', join(dir, 'old.json'), join(dir, 'new.json')]);
      assert.deepEqual(
        JSON.parse(dj.stdout).accounts.removed.map((a: { id: string }) => a.id),
        ['sip:b@x.com'],
      );
      const dmd = await run(['inventory', 'diff', '-f', 'md', join(dir, 'old.json'), join(dir, 'new.json')]);
      assert.match(dmd.stdout, /^# Inventory diff/);
    });
  });

  test('exit 3 when a source fails but others worked; exit 1 on config errors and bad documents', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'users.csv'), usersCsv([['sip:a@x.com', 'Anna', 'p']]));
      await writeFile(join(dir, 'inv.yaml'), `sources:\n  - type: csv\n    path: users.csv\n    preset: sfb\n  - type: csv\n    path: missing.csv\n`);
      const partial = await run(['inventory', 'collect', '-c', join(dir, 'inv.yaml'), '-o', join(dir, 'out.json')]);
      assert.equal(partial.code, 3);
      assert.match(partial.stderr, /lifeboat: csv-2: error: cannot read .*missing\.csv/);

      await writeFile(join(dir, 'bad.yaml'), 'sources:\n  - type: csv\n    path: users.csv\n    preset: teams\n');
      const bad = await run(['inventory', 'collect', '-c', join(dir, 'bad.yaml')]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^lifeboat: .*bad\.yaml:4: sources\[0\]\.preset: /m);
      assert.match(bad.stderr, /hint: /);

      const none = await run(['inventory', 'collect']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no sources to collect/);

      await writeFile(join(dir, 'not.json'), '{"schema":"lifeboat-inventory","schemaVersion":1}');
      const rep = await run(['inventory', 'report', join(dir, 'not.json')]);
      assert.equal(rep.code, 1);
      assert.match(rep.stderr, /not\.json: not a valid inventory document: \$\.collectedAt/);
    });
  });
});
