import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTempDir } from '../../test/helpers/tmp.js';
import { collectInventory, sourceNames } from './collect.js';
import type { InventoryProgress } from './collectors/index.js';
import { topologyXml } from './testing/directory-fixture.js';

describe('collectInventory', () => {
  test('a source that hangs times out on its own; the others still run; progress is reported', async () => {
    // accepts connections and never answers an LDAP request
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await withTempDir(async (dir) => {
        const topo = join(dir, 't.xml');
        await writeFile(topo, topologyXml());
        const events: InventoryProgress[] = [];
        const t0 = Date.now();
        const doc = await collectInventory(
          [
            { type: 'ldap', url: `ldap://127.0.0.1:${port}`, baseDn: 'dc=x', bindDn: 'cn=a', passwordEnv: 'PW', timeoutSeconds: 0.5 },
            { type: 'sfb-topology', path: topo },
          ],
          { onProgress: (e) => events.push(e), env: { PW: 'x' } },
        );
        assert.ok(Date.now() - t0 < 5000);
        assert.equal(doc.sources[0]!.status, 'failed');
        assert.deepEqual(doc.sources[0]!.errors, ['timed out after 0.5 s']);
        assert.equal(doc.sources[1]!.status, 'ok');
        assert.equal(doc.sources[1]!.counts.pools, 4);
        assert.equal(doc.sources[1]!.counts.sites, 2);
        assert.deepEqual(
          events.map((e) => `${e.type} ${e.source}`),
          ['source-start ldap', 'source-done ldap', 'source-start sfb-topology', 'source-done sfb-topology'],
        );
      });
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  test("the user's abort stops the whole collection", async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await assert.rejects(collectInventory([{ type: 'host' }], { signal: ac.signal }), /stop/);
  });

  test('source names: configured, else the type, repeated ones numbered', () => {
    assert.deepEqual(sourceNames([{ type: 'host' }, { type: 'csv', path: 'a' }, { type: 'csv', path: 'b' }, { type: 'csv', name: 'x', path: 'c' }]), ['host', 'csv', 'csv-2', 'x']);
  });
});
