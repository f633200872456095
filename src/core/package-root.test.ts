import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { packageRoot } from './package-root.js';

test('the package root is found above a compiled module, whatever its depth; none above /', () => {
  const root = packageRoot(import.meta.url);
  assert.ok(root !== undefined && existsSync(join(root, 'binding.gyp')) && existsSync(join(root, 'bin', 'lifeboat')));
  assert.equal(packageRoot(pathToFileURL(join(root, 'dist', 'bundle', 'main.js')).href), root);
  assert.equal(packageRoot(pathToFileURL(join(root, 'bin', 'lifeboat')).href), root);
  assert.equal(packageRoot(pathToFileURL('/proc/self/status').href), undefined);
});
