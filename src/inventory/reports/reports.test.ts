import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../collectors/csv-parse.js';
import { decodeText } from '../collectors/text-decode.js';
import { account, dbServer, host, makeDocument, pool, source } from '../testing/document-builder.js';
import { renderReport } from './index.js';

const doc = makeDocument({
  sources: [source('ad', { warnings: ['12 accounts are homed on CN=3:1'] }), source('host', { type: 'host' })],
  pools: [pool('pool01.contoso.com', { members: ['fe01.contoso.com'] }), pool('pool02.contoso.com', { site: 'Berlin' })],
  accounts: [
    account('a', { displayName: 'Müller | <b>Jörg</b>' }),
    account('b', { homePool: 'pool02.contoso.com', enabled: false }),
    account('c', { homePool: null, homing: 'unassigned', homeRaw: null, displayName: '=HYPERLINK("x")' }),
    account('d', { displayName: 'Line\nbreak, "quoted"' }),
  ],
  hosts: [host('fe01')],
  databaseServers: [dbServer()],
});

describe('reports', () => {
  test('markdown: accounts per pool first, then each pool, then hosts, databases, warnings', () => {
    const md = renderReport(doc, 'md');
    const order = [
      '## Accounts per pool',
      '### pool01.contoso.com (2)',
      '### pool02.contoso.com (1)',
      '### (unassigned) (1)',
      '## Host fe01',
      '## PostgreSQL 127.0.0.1:5432',
      '## Sources and warnings',
    ];
    let last = -1;
    for (const h of order) {
      const i = md.indexOf(h);
      assert.ok(i > last, `${h} at ${i} (after ${last})`);
      last = i;
    }
    assert.match(md, /\| pool01\.contoso\.com \| Redmond \| front-end \| 2 \| 2 \| 0 \|/);
    assert.match(md, /\| \(unassigned\) \| {2}\| {2}\| 1 \| 1 \| 0 \|/);
    assert.match(md, /\| Total \| {2}\| {2}\| 4 \| 3 \| 1 \|/);
    assert.ok(md.includes('Müller \\| &lt;b>Jörg&lt;/b>'), 'pipes and tags escaped');
    assert.ok(md.includes('Line break, "quoted"'));
    assert.match(md, /\| ad \| warning \| 12 accounts are homed on CN=3:1 \|/);
  });

  test('html: one standalone file, escaped, sortable and filterable tables, print styles', () => {
    const html = renderReport(doc, 'html');
    assert.match(html, /^<!DOCTYPE html>/);
    assert.ok(!/<(link|img)\b|src=|href="http/i.test(html), 'no external assets');
    assert.ok(html.includes('Müller | &lt;b&gt;Jörg&lt;/b&gt;'));
    assert.ok(!html.includes('<b>Jörg</b>'));
    assert.match(html, /<table class="data">/);
    assert.match(html, /addEventListener\('click'/);
    assert.match(html, /placeholder = 'Filter rows…'/);
    assert.match(html, /@media print/);
    assert.ok(html.indexOf('id="accounts-per-pool"') < html.indexOf('id="host-fe01"'));
  });

  test('csv: one row per account, quoted where needed, formulas defused, BOM for Excel', () => {
    const out = renderReport(doc, 'csv');
    assert.ok(out.startsWith('\uFEFF'));
    const t = parseCsv(decodeText(Buffer.from(out, 'utf8')).text);
    assert.equal(t.records.length, 4);
    assert.deepEqual(t.columns, ['source', 'id', 'displayName', 'sipAddress', 'primaryAddress', 'homePool', 'homeRaw', 'homing', 'enabled', 'kind']);
    const d = t.records.find((r) => r.id === 'd')!;
    assert.equal(d.displayName, 'Line\nbreak, "quoted"');
    assert.equal(t.records.find((r) => r.id === 'c')!.displayName, '\'=HYPERLINK("x")');
    assert.equal(t.records.find((r) => r.id === 'b')!.enabled, 'false');
  });

  test('md and html: a consistency section before the sources, naming each finding', () => {
    const md = renderReport(doc, 'md');
    assert.ok(md.indexOf('## Consistency across sources') > md.indexOf('## PostgreSQL'));
    assert.ok(md.indexOf('## Consistency across sources') < md.indexOf('## Sources and warnings'));
    assert.match(md, /\| Disabled but still homed on a pool \| disabled-homed \| 1 \|/);
    assert.match(md, /\| disabled-homed \| sip:b@contoso\.com \(ad\) is disabled for Skype for Business but still homed on pool02\.contoso\.com \| ad \|/);
    const html = renderReport(doc, 'html');
    assert.ok(html.includes('id="consistency"'));
    assert.ok(html.includes('sip:b@contoso.com (ad) is disabled for Skype for Business but still homed on pool02.contoso.com'));
    const clean = makeDocument({ sources: [source('ad')], pools: [pool('pool01.contoso.com')], accounts: [account('a')] });
    assert.match(renderReport(clean, 'md'), /## Consistency across sources\n\nNo inconsistencies found in 1 accounts \(sources compared: ad\)\./);
  });

  test('json: the document itself', () => {
    assert.deepEqual(JSON.parse(renderReport(doc, 'json')), doc);
  });
});
