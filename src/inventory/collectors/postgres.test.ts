/** The postgres collector against a real PostgreSQL cluster started here on loopback. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { projectRoot } from '../../../test/helpers/paths.js';
import { collectInventory } from '../collect.js';
import { assertMatchesPublishedSchema } from '../testing/json-schema-check.js';
import { type Postgres, startPostgres } from '../testing/postgres.js';
import { runCollectorContract } from '../testing/collector-contract.case.js';

describe('postgres collector against a real server', { timeout: 120_000 }, () => {
  let pg: Postgres;
  const hashes: string[] = [];

  before(async () => {
    pg = await startPostgres();
    const c = new Client({ connectionString: pg.url('postgres', pg.superuserPassword) });
    await c.connect();
    try {
      await c.query("CREATE ROLE inventory LOGIN PASSWORD 'inv-secret-123' IN ROLE pg_read_all_settings VALID UNTIL '2099-01-01'");
      await c.query("CREATE ROLE appowner LOGIN PASSWORD 'owner-secret-456' CREATEDB");
      await c.query('CREATE ROLE readers NOLOGIN');
      await c.query('GRANT readers TO appowner');
      await c.query("CREATE DATABASE app OWNER appowner ENCODING 'UTF8' TEMPLATE template0");
      await c.query("CREATE DATABASE legacy ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
      for (const r of (await c.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolpassword IS NOT NULL')).rows) hashes.push(r.rolpassword);
    } finally {
      await c.end();
    }
    const app = new Client({ connectionString: pg.url('postgres', pg.superuserPassword, 'app') });
    await app.connect();
    await app.query('CREATE EXTENSION pg_trgm');
    await app.query('CREATE EXTENSION hstore');
    await app.end();
  });
  after(async () => {
    await pg?.stop();
  });

  runCollectorContract('postgres', () => ({ type: 'postgres', url: pg.url('postgres', pg.superuserPassword) }), projectRoot);

  test('version, settings, databases with owner/encoding/size/extensions, roles — no password or hash', async () => {
    const pwFile = join(pg.dir, 'inventory.pw');
    await writeFile(pwFile, 'inv-secret-123\n');
    const doc = await collectInventory([{ type: 'postgres', name: 'db1', url: pg.url('inventory'), passwordFile: pwFile }]);
    const src = doc.sources[0]!;
    assert.equal(src.status, 'ok', JSON.stringify(src.errors));
    assert.equal(src.location, pg.url('inventory'));
    const server = doc.databaseServers[0]!;
    assert.equal(server.endpoint, `127.0.0.1:${pg.port}`);
    assert.match(server.version, /^\d+\.\d+/);
    assert.equal(server.settings.port, String(pg.port));
    assert.equal(server.settings.max_connections, '20');
    assert.ok(server.settings.data_directory?.endsWith('/data'), 'pg_read_all_settings shows data_directory');

    const app = server.databases.find((d) => d.name === 'app')!;
    assert.equal(app.owner, 'appowner');
    assert.equal(app.encoding, 'UTF8');
    assert.ok(app.sizeBytes! > 1_000_000);
    assert.deepEqual(
      app.extensions.map((e) => e.name),
      ['hstore', 'pg_trgm', 'plpgsql'],
    );
    const legacy = server.databases.find((d) => d.name === 'legacy')!;
    assert.equal(legacy.encoding, 'LATIN1');
    assert.equal(legacy.collation, 'C');
    assert.deepEqual(
      server.databases.map((d) => d.name),
      ['app', 'legacy', 'postgres'],
    );

    const inv = server.roles.find((r) => r.name === 'inventory')!;
    assert.equal(inv.canLogin, true);
    assert.equal(inv.superuser, false);
    assert.equal(inv.validUntil, '2099-01-01T00:00:00.000Z');
    assert.deepEqual(inv.memberOf, ['pg_read_all_settings']);
    assert.deepEqual(server.roles.find((r) => r.name === 'appowner')!.memberOf, ['readers']);
    assert.equal(server.roles.find((r) => r.name === 'readers')!.canLogin, false);
    assert.equal(server.roles.find((r) => r.name === 'postgres')!.superuser, true);

    const json = JSON.stringify(doc);
    assert.ok(hashes.length >= 3);
    for (const h of hashes) assert.ok(!json.includes(h), 'a password hash reached the document');
    for (const s of ['inv-secret-123', 'owner-secret-456', pg.superuserPassword, 'SCRAM-SHA-256$']) assert.ok(!json.includes(s));
    assertMatchesPublishedSchema(JSON.parse(json), projectRoot);
  });

  test('a role without pg_read_all_settings: hidden settings are a warning; a bad password fails the source', async () => {
    const pwFile = join(pg.dir, 'owner.pw');
    await writeFile(pwFile, 'owner-secret-456\n');
    const doc = await collectInventory([
      { type: 'postgres', url: pg.url('appowner'), passwordFile: pwFile },
      { type: 'postgres', url: pg.url('appowner', 'wrong') },
    ]);
    assert.equal(doc.sources[0]!.status, 'ok');
    assert.ok(
      doc.sources[0]!.warnings.some((w) => w.includes('data_directory')),
      doc.sources[0]!.warnings.join('\n'),
    );
    assert.equal(doc.sources[1]!.status, 'failed');
    assert.match(doc.sources[1]!.errors[0]!, /password authentication failed/);
    assert.equal(doc.sources[1]!.location, `postgres://appowner:%3Credacted%3E@127.0.0.1:${pg.port}/postgres`);
    assert.ok(!JSON.stringify(doc).includes('wrong@'));
  });
});
