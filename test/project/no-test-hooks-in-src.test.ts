/**
 * Production code holds no test hook: no file under src/ (test files and `testing/` folders
 * aside) kills its own process or reads a LIFEBOAT_TEST_ variable. The fault-injection tests
 * install their kill from test code (test/helpers/fault-kill-hook.ts, preloaded with
 * `node --import`) through the write observers of backend/decorators.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../helpers/paths.js';

// Built from parts so that a search of the tree for them does not find this file.
const FORBIDDEN = [['process', 'kill(process', 'pid'].join('.'), ['LIFEBOAT', 'TEST', ''].join('_')];

function* productionFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'testing') yield* productionFiles(path);
    } else if (entry.isFile() && !entry.name.endsWith('.test.ts')) {
      yield path;
    }
  }
}

test('no production file under src/ kills its own process or reads a LIFEBOAT_TEST_ variable', () => {
  const files = [...productionFiles(join(projectRoot, 'src'))];
  assert.ok(files.length > 100, `only ${files.length} files found under src/`);
  const offenders: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const needle of FORBIDDEN) if (text.includes(needle)) offenders.push(`${relative(projectRoot, file)} contains ${needle}`);
  }
  assert.deepEqual(offenders, [], 'a test hook belongs in test code (see test/helpers/fault-kill-hook.ts)');
});
