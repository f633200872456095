import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { projectRoot } from '../../../test/helpers/paths.js';
import { assertMatchesPublishedSchema, schemaFile } from '../testing/json-schema-check.js';
import { account, host, makeDocument } from '../testing/document-builder.js';
import { inventoryJsonSchema } from './json-schema.js';
import { redactSecrets, redactUrl, isSecretAttribute } from './secrets.js';
import { validateInventoryDocument } from './validate.js';

describe('inventory model', () => {
  test('docs/design/inventory-schema.json is the current schema (regenerate: see docs/design/inventory.md)', () => {
    assert.deepEqual(JSON.parse(readFileSync(schemaFile(projectRoot), 'utf8')), inventoryJsonSchema());
  });

  test('a document validates with zod and against the published JSON Schema (ajv)', () => {
    const doc = makeDocument({ accounts: [account('a'), account('b', { homePool: null, homing: 'unassigned' })], hosts: [host('h')] });
    assert.deepEqual(validateInventoryDocument(JSON.parse(JSON.stringify(doc))), doc);
    assertMatchesPublishedSchema(doc, projectRoot);
    assert.deepEqual(doc.summary.accountsPerPool, [
      { pool: 'pool01.contoso.com', count: 1 },
      { pool: null, count: 1 },
    ]);
  });

  test('invalid documents: FormatError naming the path; both validators agree', () => {
    const doc = JSON.parse(JSON.stringify(makeDocument({ accounts: [account('a')] })));
    doc.accounts[0].homePool = 42;
    assert.throws(() => validateInventoryDocument(doc), { code: 'E_FORMAT', message: /\$\.accounts\[0\]\.homePool/ });
    assert.throws(() => assertMatchesPublishedSchema(doc, projectRoot));
    const extra = JSON.parse(JSON.stringify(makeDocument()));
    extra.password = 'x';
    assert.throws(() => validateInventoryDocument(extra), { message: /\$\.password: / });
    assert.throws(() => validateInventoryDocument({ ...extra, schemaVersion: 2 }), { message: /schema version 2/ });
  });

  test('secrets: attribute names and free text', () => {
    for (const a of ['userPassword', 'unicodePwd', 'ms-Mcs-AdmPwd', 'msLAPS-Password', 'sambaNTPassword', 'Password', 'api_key', 'rolpassword']) assert.ok(isSecretAttribute(a), a);
    for (const a of ['displayName', 'msRTCSIP-PrimaryHomeServer', 'pwdLastSet'.replace('pwd', 'x'), 'homeMDB']) assert.ok(!isSecretAttribute(a), a);
    assert.equal(redactUrl('postgres://u:p%40ss@h/db'), 'postgres://u:%3Credacted%3E@h/db');
    assert.equal(redactSecrets('curl https://u:pw@x/ -H "token: abc" --password hunter2'), 'curl https://u:<redacted>@x/ -H "token: <redacted> --password <redacted>');
  });
});

describe('document JSON in chunks', () => {
  test('the chunks join to exactly JSON.stringify(doc, null, 2)', async () => {
    const { documentJsonChunks } = await import('./serialize.js');
    const docs = [makeDocument(), makeDocument({ accounts: [account('a', { displayName: 'Zoë\n"x"', attributes: { a: ['1', '2'], b: null } }), account('b')], hosts: [host('h1'), host('h2')] })];
    for (const doc of docs) assert.equal([...documentJsonChunks(doc)].join(''), `${JSON.stringify(doc, null, 2)}\n`);
  });
});
