import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parsePrometheus, sampleValue } from '../../test/helpers/prometheus.js';
import { withTempDir } from '../../test/helpers/tmp.js';
import { checkEvent, checkErrorEvent, pruneEvent, rollbackEvent } from './events.js';
import { parseMetrics, renderMetrics, writeMetricsFile } from './metrics.js';

test('metrics file: every family typed and documented, later runs merge into earlier series, replaced atomically', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'lifeboat.prom');
    const check = checkEvent({ findings: [], errors: 0, hints: 2, packs: 31, snapshots: 7, trees: 90, packsRead: 3 }, '10%', 12_500);
    await writeMetricsFile(file, [check]);
    let families = parsePrometheus(await readFile(file, 'utf8'));
    for (const f of families) {
      assert.equal(f.type, 'GAUGE');
      assert.ok(f.help.length > 10, f.name);
    }
    assert.equal(sampleValue(families, 'lifeboat_check_hints'), 2);
    assert.equal(sampleValue(families, 'lifeboat_check_packs_read'), 3);
    assert.equal(sampleValue(families, 'lifeboat_last_run_duration_seconds', { operation: 'check' }), 12.5);
    assert.equal(sampleValue(families, 'lifeboat_last_run_success', { operation: 'check' }), 1);
    const checkOk = sampleValue(families, 'lifeboat_last_success_timestamp_seconds', { operation: 'check' })!;
    assert.equal(checkOk, Math.floor(Date.parse(check.time) / 1000));
    assert.equal((await stat(file)).mode & 0o777, 0o644);

    // a failed check later: the success time stays, success drops to 0; a prune adds its series
    await writeMetricsFile(file, [
      checkErrorEvent(new Error('boom'), 300),
      pruneEvent(
        {
          usedBlobs: 1,
          usedBytes: 1,
          unusedBlobs: 0,
          unusedBytes: 0,
          duplicateBlobs: 0,
          packsKept: 1,
          packsToRepack: 1,
          packsToDelete: 4,
          unindexedPacks: 0,
          bytesToRepack: 10,
          bytesFreed: 73_400_320,
          newPacks: 1,
        },
        false,
        900,
      ),
    ]);
    families = parsePrometheus(await readFile(file, 'utf8'));
    assert.equal(sampleValue(families, 'lifeboat_last_run_success', { operation: 'check' }), 0);
    assert.equal(sampleValue(families, 'lifeboat_last_success_timestamp_seconds', { operation: 'check' }), checkOk);
    assert.equal(sampleValue(families, 'lifeboat_check_hints'), 2);
    assert.equal(sampleValue(families, 'lifeboat_prune_bytes_freed'), 73_400_320);
    assert.equal(sampleValue(families, 'lifeboat_last_run_success', { operation: 'prune' }), 1);
    assert.deepEqual(await readdir(dir), ['lifeboat.prom'], 'no temporary file is left');

    // a rollback with problems still succeeded; its problems are counted
    await writeMetricsFile(file, [rollbackEvent({ point: '3fa9c01e', steps: 4, problems: ['account a: conflict', 'account b: conflict'], resumed: false }, 61_000)]);
    families = parsePrometheus(await readFile(file, 'utf8'));
    assert.equal(sampleValue(families, 'lifeboat_rollback_problems'), 2);
    assert.equal(sampleValue(families, 'lifeboat_last_run_success', { operation: 'rollback' }), 1);
  });
});

test('metrics: a file edited by hand keeps only the series Lifeboat writes; the text round-trips', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'm.prom');
    await writeFile(file, '# a comment\nlifeboat_check_errors 5\nother_metric{a="b"} 3\nlifeboat_unknown_thing 1\ngarbage\n');
    await writeMetricsFile(file, []);
    const text = await readFile(file, 'utf8');
    assert.deepEqual([...parseMetrics(text)], [['lifeboat_check_errors', 5]]);
    assert.equal(renderMetrics(parseMetrics(text)), text);
  });
});

test('metrics: an unwritable place is an E_IO error that names the file', async () => {
  await assert.rejects(writeMetricsFile('/nonexistent-dir/lifeboat.prom', []), (err: Error & { code?: string }) => err.code === 'E_IO' && /nonexistent-dir\/lifeboat\.prom/.test(err.message));
});
