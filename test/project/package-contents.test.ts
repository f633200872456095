/**
 * What `npm publish` would ship: exactly what a user needs to run Lifeboat (the CLI and its
 * bundle, the addon's sources and build file for the install-time build, the checklists read at
 * run time, the example configuration the README starts from, the licence), and none of the tests,
 * test servers (`testing/` folders), benchmarks or modules compiled one by one (dist/src: the
 * bundle holds them). The publish build (`tsconfig.build.json`, `npm run build`) compiles no test
 * code either.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../helpers/paths.js';

const run = promisify(execFile);

/** Test-only files, as paths relative to the project root. */
const TEST_ONLY = /(^|\/)(test|bench)\/|(^|\/)testing\/|\.test\.(ts|js)$|\.map$/;

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield relative(projectRoot, path).split(sep).join('/');
  }
}

test('npm pack ships what a user needs and no test, test server or benchmark', async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 });
  const [report] = JSON.parse(stdout) as { files: { path: string }[] }[];
  const shipped = new Set(report!.files.map((f) => f.path));

  assert.deepEqual(
    [...shipped].filter((p) => TEST_ONLY.test(p)),
    [],
    'test-only files in the package',
  );

  assert.deepEqual(
    [...shipped].filter((p) => p.startsWith('dist/src/')),
    [],
    'modules compiled one by one in the package (the bundle holds them)',
  );

  const needed = ['package.json', 'README.md', 'LICENSE', 'bin/lifeboat', 'binding.gyp', 'examples/lifeboat.yaml'];
  for (const dir of ['native', 'checklists', 'dist/bundle']) needed.push(...filesUnder(join(projectRoot, dir)));
  // the bundle's entries: the CLI, the key prefetch it starts with, the checker's worker (loaded by URL)
  for (const entry of ['main', 'early-key', 'verify-worker']) assert.ok(needed.includes(`dist/bundle/${entry}.js`), entry);
  assert.ok(needed.some((p) => p.startsWith('checklists/')));
  assert.deepEqual(
    needed.filter((p) => !shipped.has(p)),
    [],
    'files a user needs are missing from the package',
  );
});

test('the publish build compiles no test code', async () => {
  const { stdout } = await run(join(projectRoot, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json', '--listFilesOnly'], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 });
  const ours = stdout
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.includes('/node_modules/'))
    .map((l) => relative(projectRoot, l.trim()).split(sep).join('/'));
  assert.ok(ours.includes('src/cli/main.ts'), 'the build compiles the CLI');
  // a production module importing a test helper would pull it into the build: caught here too
  assert.deepEqual(
    ours.filter((p) => TEST_ONLY.test(p) || !p.startsWith('src/')),
    [],
  );
});
