/**
 * Every folder under src/ has an index.ts that opens with a header comment (what the folder is,
 * what it may import): its entry point for the rest of the project (CONTRIBUTING.md). testing/
 * folders hold test helpers imported file by file and are exempt.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../helpers/paths.js';

function folders(dir: string): string[] {
  const subs = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(dir, e.name));
  return [...subs, ...subs.flatMap(folders)];
}

test('every folder under src has an index.ts with a header comment', () => {
  const src = join(projectRoot, 'src');
  const missing: string[] = [];
  const headerless: string[] = [];
  for (const dir of folders(src)) {
    const rel = relative(projectRoot, dir);
    if (rel.split('/').includes('testing')) continue;
    const index = join(dir, 'index.ts');
    if (!existsSync(index)) missing.push(rel);
    else if (!readFileSync(index, 'utf8').startsWith('/**')) headerless.push(`${rel}/index.ts`);
  }
  assert.deepEqual(missing, [], 'add an index.ts (header: what the folder is, what it may import) to these folders');
  assert.deepEqual(headerless, [], 'start these index.ts files with a /** header */');
});
