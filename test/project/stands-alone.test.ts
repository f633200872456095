/**
 * The repository stands alone: a clone anywhere, with nothing beside it, builds and passes its
 * tests. No file of the project may refer to the reference material that sits beside the
 * development checkout; what the project needs from it is copied in (test/vectors,
 * bench/dataset, docs/reference), each copy with a note of where it came from.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../helpers/paths.js';

const SKIPPED_DIRS = new Set(['.git', 'node_modules', 'dist', 'build']);
// Built from parts so that this file does not match itself.
const FORBIDDEN = [['..', 'shared'].join('/'), ['', 'work', 'shared'].join('/')];

function* projectFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* projectFiles(join(dir, entry.name));
    } else if (entry.isFile()) {
      yield join(dir, entry.name);
    }
  }
}

test('no file of the project refers to the reference material beside the checkout', () => {
  const offenders: string[] = [];
  for (const file of projectFiles(projectRoot)) {
    const text = readFileSync(file, 'latin1');
    for (const needle of FORBIDDEN) {
      if (text.includes(needle)) offenders.push(`${relative(projectRoot, file)} mentions ${needle}`);
    }
  }
  assert.deepEqual(offenders, [], 'copy what is needed into the project instead');
});

test('the copied test vectors are where the tests read them', () => {
  for (const name of ['crypto.json', 'chunker.json', 'json-encoding.json']) {
    const text = readFileSync(join(projectRoot, 'test', 'vectors', name), 'utf8');
    assert.ok(JSON.parse(text) !== null, name);
  }
});
