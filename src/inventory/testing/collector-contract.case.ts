/**
 * What every collector promises, run against each one by its test file:
 * - what it produces validates (zod and the published JSON Schema) and carries its source name;
 * - its source report is filled in (status ok, location, a duration);
 * - the user's abort stops it: collectInventory rejects with the abort reason, promptly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectInventory } from '../collect.js';
import type { SourceConfig } from '../config/index.js';
import { validateInventoryDocument } from '../model/index.js';
import { assertMatchesPublishedSchema } from './json-schema-check.js';

export function runCollectorContract(label: string, makeConfig: () => SourceConfig, projectRoot: string): void {
  test(`${label}: collector contract — valid output tagged with its source, report filled in`, async () => {
    const config = { ...makeConfig(), name: 'contract-src' } as SourceConfig;
    const doc = await collectInventory([config]);
    const src = doc.sources[0]!;
    assert.equal(src.status, 'ok', JSON.stringify(src.errors));
    assert.equal(src.name, 'contract-src');
    assert.equal(src.type, config.type);
    assert.ok(src.durationMs >= 0);
    assert.ok(src.location);
    const items = [...doc.accounts, ...doc.pools, ...doc.hosts, ...doc.databaseServers];
    assert.ok(items.length > 0, 'the collector produced something');
    for (const it of items) assert.equal(it.source, 'contract-src');
    const json = JSON.parse(JSON.stringify(doc)) as unknown;
    validateInventoryDocument(json);
    assertMatchesPublishedSchema(json, projectRoot);
  });

  test(`${label}: collector contract — the user's abort stops it`, async () => {
    const ac = new AbortController();
    const reason = new Error('user abort');
    const t0 = Date.now();
    const p = collectInventory([makeConfig()], { signal: ac.signal });
    ac.abort(reason);
    await assert.rejects(p, (err) => err === reason);
    assert.ok(Date.now() - t0 < 5000);
  });
}
