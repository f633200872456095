/** The source list: validation with file, line and key in every error; one-off --source specs. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { ConfigError, loadInventoryConfig, parseInventoryConfig } from './load-config.js';
import { parseSourceSpec } from './source-spec.js';

const GOOD = `# the issue's example
sources:
  - type: host                      # this machine
  - type: ldap
    name: contoso-ad
    url: ldaps://dc1.contoso.com
    bindDn: CN=svc-inventory,OU=Service,DC=contoso,DC=com
    passwordFile: /etc/lifeboat/ldap.pw
    baseDn: DC=contoso,DC=com
    preset: sfb
    topologyFile: ./topology.xml
  - type: csv
    name: cs-users
    path: ./users.csv
    preset: sfb
  - type: postgres
    url: postgres://inventory@127.0.0.1/postgres
`;

function errorOf(text: string): ConfigError {
  try {
    parseInventoryConfig(text, '/etc/lifeboat/inventory.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('no error');
}

describe('inventory config', () => {
  test('the example from the issue loads; relative paths resolve against the file', () => {
    const cfg = parseInventoryConfig(GOOD, '/etc/lifeboat/inventory.yaml');
    assert.equal(cfg.sources.length, 4);
    const ldap = cfg.sources[1]!;
    assert.equal(ldap.type, 'ldap');
    assert.equal(ldap.type === 'ldap' && ldap.topologyFile, '/etc/lifeboat/topology.xml');
    assert.equal(ldap.type === 'ldap' && ldap.passwordFile, '/etc/lifeboat/ldap.pw');
    assert.equal(cfg.sources[2]!.type === 'csv' && cfg.sources[2]!.path, '/etc/lifeboat/users.csv');
  });

  test('a bad value names the file, its line and the key', () => {
    const e = errorOf(GOOD.replace('url: ldaps://dc1.contoso.com', 'url: https://dc1.contoso.com'));
    assert.equal(e.line, 6);
    assert.equal(e.key, 'sources[1].url');
    assert.match(e.message, /^\/etc\/lifeboat\/inventory\.yaml:6: sources\[1\]\.url: must be ldap:\/\//);
  });

  test('an unknown key, a wrong type, a missing key, an unknown source type', () => {
    let e = errorOf(GOOD.replace('    preset: sfb\n    topologyFile', '    preset: sfb\n    pageSzie: 10\n    topologyFile'));
    assert.equal(e.line, 11);
    assert.equal(e.key, 'sources[1].pageSzie');
    assert.match(e.message, /unknown key/);
    e = errorOf('sources:\n  - type: ldap\n    url: ldap://x\n    baseDn: dc=x\n    pageSize: "ten"\n');
    assert.equal(e.line, 5);
    assert.equal(e.key, 'sources[0].pageSize');
    // missing key: the line of the entry that lacks it
    e = errorOf('sources:\n  - type: host\n  - type: csv\n    name: x\n');
    assert.equal(e.line, 3);
    assert.equal(e.key, 'sources[1].path');
    e = errorOf('sources:\n  - type: host\n  - type: oracle\n');
    assert.equal(e.line, 3);
    assert.equal(e.key, 'sources[1].type');
    e = errorOf('sources: []\n');
    assert.match(e.message, /list at least one source/);
  });

  test('YAML syntax errors carry the line', () => {
    const e = errorOf('sources:\n  - type: host\n   bad: [\n');
    assert.ok(e.line !== null && e.line >= 3, String(e.line));
    assert.match(e.message, /not valid YAML/);
  });

  test('loadInventoryConfig reads files (BOM tolerated) and reports missing ones', async () => {
    await withTempDir(async (dir) => {
      const f = join(dir, 'inv.yaml');
      await writeFile(f, `\uFEFF${GOOD}`);
      assert.equal((await loadInventoryConfig(f)).sources.length, 4);
      await assert.rejects(loadInventoryConfig(join(dir, 'nope.yaml')), { code: 'E_NOT_FOUND' });
    });
  });

  test('--source TYPE:ARG', () => {
    assert.deepEqual(parseSourceSpec('host'), { type: 'host' });
    assert.deepEqual(parseSourceSpec('csv:users.csv', 'sfb', '/data'), { type: 'csv', path: '/data/users.csv', preset: 'sfb' });
    assert.deepEqual(parseSourceSpec('ldap:ldap://127.0.0.1:389/dc=contoso,dc=com', 'sfb'), {
      type: 'ldap',
      url: 'ldap://127.0.0.1:389',
      baseDn: 'dc=contoso,dc=com',
      preset: 'sfb',
    });
    assert.deepEqual(parseSourceSpec('postgres:postgres://u@h/db'), { type: 'postgres', url: 'postgres://u@h/db' });
    assert.throws(() => parseSourceSpec('oracle:x'), { code: 'E_USAGE' });
    assert.throws(() => parseSourceSpec('ldap:ldap://host'), { code: 'E_USAGE' });
    assert.throws(() => parseSourceSpec('csv:'), { code: 'E_USAGE' });
  });
});
