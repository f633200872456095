import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProgress } from './routes-jobs.js';

test("check job progress: each phase's step logged once while the phases interleave; the percentage over both", () => {
  const steps: string[] = [];
  const percents: (number | null | undefined)[] = [];
  const report = checkProgress({ step: (s) => steps.push(s), progress: (p) => percents.push(p.percent) });
  report({ phase: 'snapshots', done: 0, total: 4 });
  report({ phase: 'read-data', done: 1, total: 4 });
  report({ phase: 'snapshots', done: 1, total: 4 });
  report({ phase: 'read-data', done: 2, total: 4 });
  report({ phase: 'snapshots', done: 4, total: 4 });
  report({ phase: 'read-data', done: 4, total: 4 });
  assert.deepEqual(steps, ['checking: snapshots', 'checking: read-data']);
  assert.deepEqual(percents, [0, 12, 25, 37, 75, 99]);
  const empty: (number | null | undefined)[] = [];
  checkProgress({ step: () => undefined, progress: (p) => empty.push(p.percent) })({ phase: 'snapshots', done: 0, total: 0 });
  assert.deepEqual(empty, [null]);
});
