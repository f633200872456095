import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeInventoryOutput } from './main.js';

test('-o after the inventory command is its output file; elsewhere a backend option', () => {
  assert.deepEqual(routeInventoryOutput(['inventory', 'collect', '-o', 'doc.json']), ['inventory', 'collect', '--output', 'doc.json']);
  assert.deepEqual(routeInventoryOutput(['-r', 's3:h/b', '-o', 'connections=2', 'inventory', 'show', '-ox.md']), ['-r', 's3:h/b', '-o', 'connections=2', 'inventory', 'show', '--output=x.md']);
  assert.deepEqual(routeInventoryOutput(['snapshots', '--tag', 'inventory', '-o', 'connections=2']), ['snapshots', '--tag', 'inventory', '-o', 'connections=2']);
  assert.deepEqual(routeInventoryOutput(['backup', '-o', 'timeout=1m', 'inventory']), ['backup', '-o', 'timeout=1m', 'inventory']);
});
