/**
 * checkConsistency on documents built here: each kind of finding planted once, plus the
 * accounts that must not raise one (same SIP in another case, Exchange mailboxes, contacts).
 * The same checks against a real slapd are in test/e2e/inventory-check.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { account, makeDocument, pool, source } from '../testing/document-builder.js';
import { checkConsistency, renderConsistency } from './index.js';

const DN = (cluster: string): string => `CN=Lc Services,CN=Microsoft,CN=${cluster},CN=Pools,CN=RTC Service,CN=Services,CN=Configuration,DC=contoso,DC=com`;
const ad = (id: string, over = {}) => account(id, { source: 'ad', ...over });
const cs = (id: string, over = {}) => account(id, { source: 'cs-users', id: `sip:${id}@contoso.com`, homeRaw: 'pool01.contoso.com', ...over });

describe('cross-source consistency', () => {
  test('each kind of finding, naming accounts and sources; nothing for what agrees', () => {
    const doc = makeDocument({
      sources: [source('ad'), source('cs-users')],
      pools: [pool('pool01.contoso.com'), pool('pool02.contoso.com'), pool('pool03.contoso.com'), pool('edge.contoso.com', { kind: 'edge' }), pool('DB01', { kind: 'mailbox-database' })],
      accounts: [
        ad('anna'),
        cs('anna', { sipAddress: 'sip:ANNA@Contoso.com' }),
        ad('bert'),
        cs('bert', { homePool: 'pool02.contoso.com', homeRaw: 'pool02.contoso.com' }),
        ad('carl'),
        ad('contact1', { kind: 'contact' }),
        ad('dora', { homePool: '3:1', homeRaw: DN('3:1') }),
        cs('dora', { homePool: '3:1', homeRaw: DN('3:1') }),
        cs('emil', { homePool: 'pool09.contoso.com', homeRaw: 'pool09.contoso.com' }),
        ad('emil', { homePool: 'pool09.contoso.com', homeRaw: 'pool09.contoso.com' }),
        ad('fred1', { sipAddress: 'sip:fred@contoso.com' }),
        ad('fred2', { sipAddress: 'sip:Fred@contoso.com' }),
        cs('fred', { sipAddress: 'sip:fred@contoso.com' }),
        ad('gina', { enabled: false }),
        cs('gina', { enabled: false }),
        ad('hugo', { homing: 'online', homePool: 'sipfed.online.lync.com', homeRaw: 'sipfed.online.lync.com' }),
        cs('hugo', { homing: 'online', homePool: 'sipfed.online.lync.com', homeRaw: 'sipfed.online.lync.com' }),
        ad('mbx', { sipAddress: null, homePool: 'DB01', homeRaw: 'CN=DB01,CN=Databases' }),
      ],
    });
    const r = checkConsistency(doc);
    const by = (kind: string): string[] => r.findings.filter((f) => f.kind === kind).map((f) => f.message);
    assert.deepEqual(r.sources, ['ad', 'cs-users']);
    assert.deepEqual(by('home-mismatch'), ['sip:bert@contoso.com: ad says pool01.contoso.com, cs-users says pool02.contoso.com']);
    assert.deepEqual(by('missing-from-source'), ['sip:carl@contoso.com is in ad but not in cs-users']);
    assert.deepEqual(by('home-unresolved'), [
      `sip:dora@contoso.com (ad): home server ${DN('3:1')} resolves to no known pool`,
      `sip:dora@contoso.com (cs-users): home server ${DN('3:1')} resolves to no known pool`,
    ]);
    assert.deepEqual(by('pool-not-in-topology'), [
      'sip:emil@contoso.com (ad) is homed on pool09.contoso.com, which no topology or directory names',
      'sip:emil@contoso.com (cs-users) is homed on pool09.contoso.com, which no topology or directory names',
    ]);
    assert.deepEqual(by('duplicate-sip'), ['sip:fred@contoso.com is on 2 accounts in ad: fred1, fred2']);
    assert.equal(by('disabled-homed').length, 2);
    assert.match(by('disabled-homed')[0]!, /gina@contoso\.com \(ad\) is disabled for Skype for Business but still homed on pool01\.contoso\.com/);
    assert.deepEqual(by('homed-online'), ['sip:hugo@contoso.com (ad) is homed online (sipfed.online.lync.com)', 'sip:hugo@contoso.com (cs-users) is homed online (sipfed.online.lync.com)']);
    assert.deepEqual(by('pool-without-accounts'), ['pool03.contoso.com (ad) is a registrar pool with no account homed on it']);
    // the finding for carl names the account and both sources
    const carl = r.findings.find((f) => f.kind === 'missing-from-source')!;
    assert.deepEqual(carl.sources, ['cs-users', 'ad']);
    assert.deepEqual(
      carl.accounts.map((a) => [a.source, a.id]),
      [['ad', 'carl']],
    );
    assert.equal(r.counts['home-mismatch'], 1);
    assert.equal(r.findings.length, 12);
    const text = renderConsistency(r, 'text');
    assert.match(text, /^12 findings in 17 accounts \(sources compared: ad, cs-users\)\n/);
    assert.match(text, /\nSources disagree on the home pool \(home-mismatch\): 1\n {2}sip:bert@contoso\.com: ad says/);
    assert.deepEqual(JSON.parse(renderConsistency(r, 'json')), JSON.parse(JSON.stringify(r)));
  });

  test('an AD-disabled account still homed; one source alone is not compared with nothing', () => {
    const doc = makeDocument({
      sources: [source('ad')],
      pools: [pool('pool01.contoso.com')],
      accounts: [ad('anna', { attributes: { accountDisabled: true } }), ad('bert')],
    });
    const r = checkConsistency(doc);
    assert.deepEqual(
      r.findings.map((f) => f.message),
      ['sip:anna@contoso.com (ad) is a disabled directory account but still homed on pool01.contoso.com'],
    );
    assert.equal(
      renderConsistency(checkConsistency(makeDocument({ sources: [source('ad')], pools: [pool('pool01.contoso.com')], accounts: [ad('bert')] })), 'text'),
      'no inconsistencies: 1 accounts in 1 sources with SIP addresses\n',
    );
  });
});
