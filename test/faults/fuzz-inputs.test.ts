/**
 * Property-based fuzzing of the readers of files an operator hands us: the inventory's CSV
 * (Get-CsUser | Export-Csv, whole-text and streaming from a file), XML and topology documents
 * (Get-CsTopology -AsXml, .tbxml), the YAML plan and inventory files, and repository location
 * strings. Seeds are documents shaped like the real exports; each property feeds arbitrary text
 * and the seeds with hostile pieces spliced in (deep nesting, entity and alias bombs, unclosed
 * quotes, NULs, lone surrogates, 1–2 MiB fields). Each input must end in a value or a
 * LifeboatError within PER_INPUT_MS and PER_INPUT_HEAP_BYTES (fuzz-harness.ts).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parseLocation } from '../../src/backend/location/index.js';
import { parseInventoryConfig } from '../../src/inventory/config/index.js';
import { parseCsv, parseTopology } from '../../src/inventory/collectors/index.js';
import { MAX_RECORD_CHARS, openCsv } from '../../src/inventory/collectors/csv-parse.js';
import { parseXml } from '../../src/inventory/collectors/xml.js';
import { fullTopologyXml } from '../../src/inventory/testing/topology-fixtures.js';
import { parsePlanFile } from '../../src/rollback/index.js';
import { makeTempDir } from '../helpers/tmp.js';
import { expectTypedOutcome, expectTypedOutcomeAsync, runs } from './fuzz-harness.js';

/** Text with 1–3 hostile pieces inserted at, or written over, arbitrary positions. */
function splicedText(seed: string, pieces: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.record({ at: fc.nat(), piece: fc.oneof(fc.constantFrom(...pieces), fc.string({ unit: 'binary', maxLength: 40 })), overwrite: fc.boolean() });
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
    let text = seed;
    for (const e of edits) {
      const at = e.at % (text.length + 1);
      text = text.slice(0, at) + e.piece + text.slice(e.overwrite ? at + e.piece.length : at);
    }
    return text;
  });
}

const anyText = fc.string({ unit: 'binary', maxLength: 400 });

const COMMON_PIECES = ['\u0000', '\ud800', '\ufeff', '\r', '\n', '\r\n', '"', "'", '\\', '\u2028', 'A'.repeat(2 << 20)];

// Get-CsUser | Export-Csv from Windows PowerShell 5.1 (a #TYPE line, every field quoted, CRLF)
const CSV_SEED = [
  '#TYPE Deserialized.Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser',
  '"Identity","SipAddress","DisplayName","Enabled","RegistrarPool","HomeServer","EnterpriseVoiceEnabled","LineURI"',
  '"CN=Ann Lee,OU=Users,DC=contoso,DC=com","sip:ann@contoso.com","Lee, Ann","True","pool01.contoso.com","CN=Lc Services,CN=Microsoft,CN=1:1,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration,DC=contoso,DC=com","True","tel:+14255550100;ext=100"',
  '"CN=Bo ""B"" Chan,OU=Users,DC=contoso,DC=com","sip:bo@contoso.com","Bo ""B"" Chan","False","pool02.contoso.com","","False",""',
  '',
].join('\r\n');
const CSV_PIECES = [...COMMON_PIECES, '"', '""', '","', ',"unterminated', '#TYPE ', `"${'x'.repeat(MAX_RECORD_CHARS + 10)}"`, ';', '\t'];

const XML_PIECES = [
  ...COMMON_PIECES,
  '<',
  '>',
  '</',
  '<!--',
  ']]>',
  '<![CDATA[',
  '&x;',
  '&amp;',
  '&#0;',
  '&#xD800;',
  '&#1114112;',
  '<!DOCTYPE Topology [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
  '<!DOCTYPE Topology [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
  '&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;',
  '&e;',
  `${'<a>'.repeat(20000)}${'</a>'.repeat(20000)}`,
  `<Cluster ${Array.from({ length: 5000 }, (_, i) => `a${i}="v"`).join(' ')}/>`,
  'SiteId="1"',
  'Number="-1"',
  'Fqdn=""',
  'xmlns:t="urn:x"',
];

// a source list as docs/design/inventory.md writes it
const INVENTORY_SEED = `sources:
  - type: host
    name: this-host
  - type: csv
    name: get-csuser
    path: ./exports/users.csv
  - type: sfb-topology
    name: topology
    path: ./exports/topology.xml
`;
const PLAN_SEED = `# restore point before the pool migration
repository: /srv/lifeboat/repo
passwordFile: ./password
host: fe01
sources:
  - name: config
    files: [/etc, /srv/app/config]
  - name: database
    command:
      backup: [pg_dump, --format=custom, app]
      restore: [pg_restore, --clean, --dbname=app]
inventory:
  sources:
    - type: host
`;
const YAML_PIECES = [
  ...COMMON_PIECES,
  ':',
  '- ',
  '  ',
  '\t',
  '&a ',
  '*a',
  '!!binary ',
  '!!js/function ',
  '!<tag:yaml.org,2002:str> ',
  '<<: *a\n',
  '%YAML 1.1\n---\n',
  '---\n',
  '...\n',
  `${'['.repeat(20000)}${']'.repeat(20000)}`,
  `${'- '.repeat(3000)}x`,
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n',
  '__proto__: {polluted: true}\n',
  'sources: 1e999\n',
];

const LOCATION_PIECES = [
  'local:',
  'rest:',
  's3:',
  'rclone:',
  'sftp:',
  'b2:',
  'azure:',
  'gs:',
  'swift:',
  'http://',
  'https://',
  '//',
  '@',
  ':',
  '[',
  ']',
  '[::1]',
  '%',
  '%zz',
  '..',
  '/',
  '~',
  '#',
  '?',
  ' ',
  '\u0000',
  '\ud800',
  ':99999',
  ':-1',
  'user:pa:ss@',
];
const LOCATION_SEEDS = [
  '/srv/lifeboat/repo',
  'rest:https://user:secret@backup.example.com:8000/host1/',
  's3:https://s3.example.com:9000/bucket/lifeboat',
  's3:s3.amazonaws.com/bucket/prefix',
  'sftp:backup@nas.example.com:/volume1/lifeboat',
  'sftp://backup@[fd00::1]:2222/srv/repo',
  'rclone:remote:bucket/path',
  'b2:bucket:path',
];

/** Inputs per property (see docs/reliability.md for the totals). */
const RUNS = 200;

describe('fuzz: operator-supplied files', () => {
  test('the seeds parse', () => {
    assert.equal(parseCsv(CSV_SEED).records.length, 2);
    assert.ok(parseTopology(fullTopologyXml(), 'seed').pools.length > 0);
    assert.equal(parseInventoryConfig(INVENTORY_SEED, 'inventory.yaml').sources.length, 3);
    assert.equal(parsePlanFile(PLAN_SEED, 'plan.yaml').sources.length, 2);
    for (const l of LOCATION_SEEDS) parseLocation(l);
  });

  test('CSV (whole text): arbitrary and spliced text gives records or a LifeboatError', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, splicedText(CSV_SEED, CSV_PIECES)), (text) => expectTypedOutcome(`parseCsv ${JSON.stringify(text.slice(0, 200))}`, () => parseCsv(text), text.length)),
      runs(RUNS),
    );
  });

  describe('CSV (streamed from a file, as inventory collect reads it)', () => {
    let dir: string;
    before(async () => {
      dir = await makeTempDir('lifeboat-fuzz-csv-');
    });
    after(async () => {
      const { rm } = await import('node:fs/promises');
      await rm(dir, { recursive: true, force: true });
    });

    test('spliced exports in UTF-8 and UTF-16 give records or a LifeboatError, never a field beyond the limit', async () => {
      const encoded = fc
        .tuple(fc.oneof(anyText, splicedText(CSV_SEED, CSV_PIECES)), fc.constantFrom('utf8', 'utf16le-bom', 'latin1'))
        .map(([text, enc]) => (enc === 'utf16le-bom' ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) : Buffer.from(text, enc === 'utf8' ? 'utf8' : 'latin1')));
      let n = 0;
      await fc.assert(
        fc.asyncProperty(encoded, async (bytes) => {
          const path = join(dir, `export-${n++}.csv`);
          await writeFile(path, bytes);
          await expectTypedOutcomeAsync(
            `openCsv of ${bytes.length} bytes`,
            async () => {
              const csv = await openCsv(path);
              for await (const r of csv.records) {
                for (const v of Object.values(r.values)) assert.ok(v.length <= MAX_RECORD_CHARS, `a field of ${v.length} characters came through`);
              }
            },
            bytes.length,
          );
        }),
        runs(60),
      );
    });
  });

  test('XML: arbitrary and spliced topology documents give an element tree or a LifeboatError', () => {
    const seed = fullTopologyXml();
    fc.assert(
      fc.property(fc.oneof(anyText, splicedText(seed, XML_PIECES)), (text) => {
        expectTypedOutcome(`parseXml ${JSON.stringify(text.slice(0, 200))}`, () => parseXml(text), text.length);
        expectTypedOutcome('parseTopology', () => parseTopology(text, 'topology.xml'), text.length);
      }),
      runs(RUNS / 2),
    );
  });

  test('YAML: arbitrary and spliced plan and inventory files give a configuration or a ConfigError naming the file', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, splicedText(PLAN_SEED, YAML_PIECES), splicedText(INVENTORY_SEED, YAML_PIECES)), (text) => {
        for (const [parse, file] of [
          [parsePlanFile, 'plan.yaml'],
          [parseInventoryConfig, 'inventory.yaml'],
        ] as const) {
          let thrown: unknown;
          expectTypedOutcome(
            `${file} ${JSON.stringify(text.slice(0, 200))}`,
            () => {
              try {
                parse(text, file);
              } catch (err) {
                thrown = err;
                throw err;
              }
            },
            text.length,
          );
          if (thrown) assert.ok((thrown as Error).message.startsWith(file), `the error does not name the file: ${(thrown as Error).message}`);
        }
      }),
      runs(RUNS * 0.75),
    );
  });

  test('locations: arbitrary and spliced strings give a location or a usage error', () => {
    const spliced = fc.constantFrom(...LOCATION_SEEDS).chain((s) => splicedText(s, LOCATION_PIECES));
    fc.assert(
      fc.property(
        fc.oneof(
          anyText,
          spliced,
          fc.constantFrom(...LOCATION_PIECES).chain((p) => anyText.map((t) => p + t)),
        ),
        (text) => expectTypedOutcome(`parseLocation ${JSON.stringify(text.slice(0, 200))}`, () => parseLocation(text)),
      ),
      runs(RUNS * 2),
    );
  });
});
