/**
 * Issue 18: `check` loads only what it uses. Each module costs heap and code space (the rollback
 * and inventory code with zod, yaml and nodemailer: ≈ 20 MiB of peak RSS and 0.4 CPU-s on a tiny
 * repository), and check is measured against restic's memory. A module hook preloaded into the
 * real CLI records every module the command loads; a file of the CLI's bundle stands for the
 * compiled modules it holds (dist/bundle-meta.json, written by scripts/bundle.mjs).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { lifeboatBin, projectRoot } from '../helpers/paths.js';
import { TEST_PASSWORD, lifeboatOk, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let work: string;
let repo: string;

before(async () => {
  work = await makeTempDir('lifeboat-check-modules-');
  repo = join(work, 'repo');
  writeFileSync(join(work, 'file.txt'), 'some content\n');
  await lifeboatOk(repo, ['init']);
  await lifeboatOk(repo, ['backup', join(work, 'file.txt')]);
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The compiled modules (paths under dist/) each file of the bundle holds, by the file's name. */
function bundleContents(): Map<string, string[]> {
  const meta = JSON.parse(readFileSync(join(projectRoot, 'dist', 'bundle-meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  return new Map(Object.entries(meta.outputs).map(([file, output]) => [basename(file), Object.keys(output.inputs).map((input) => `/${input}`)]));
}

/** A loaded URL, or for a file of the bundle the modules it holds. */
function modulesOf(url: string, bundle: Map<string, string[]>): string[] {
  if (!url.startsWith('file:') || !url.includes('/dist/bundle/')) return [url];
  const held = bundle.get(basename(fileURLToPath(url)));
  assert.ok(held, `${url} is not in dist/bundle-meta.json`);
  return held;
}

/** Runs the CLI with a hook that appends the URL of every module loaded to a file; returns them. */
async function modulesLoaded(args: string[]): Promise<string[]> {
  const list = join(work, 'modules.txt');
  writeFileSync(list, '');
  const hook = join(work, 'hook.mjs');
  writeFileSync(
    hook,
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  appendFileSync(${JSON.stringify(list)}, url + '\\n');\n  return next(url, context);\n}\n`,
  );
  const register = join(work, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
  const r = await run(process.execPath, ['--import', pathToFileURL(register).href, lifeboatBin, '-r', repo, ...args], { env: { LIFEBOAT_PASSWORD: TEST_PASSWORD } });
  assert.equal(r.code, 0, r.stderr);
  const bundle = bundleContents();
  return readFileSync(list, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((url) => modulesOf(url, bundle));
}

const NOT_FOR_CHECK = ['/src/rollback/', '/src/inventory/', '/src/engine/restorer/', '/src/engine/archiver/', '/node_modules/zod/', '/node_modules/yaml/', '/node_modules/nodemailer/'];

test('check --read-data loads neither the rollback, inventory, restore and backup code nor their libraries', async () => {
  const loaded = await modulesLoaded(['check', '--read-data']);
  assert.ok(
    loaded.some((u) => u.includes('/src/engine/checker/')),
    'the hook saw the checker load',
  );
  assert.deepEqual(
    loaded.filter((u) => NOT_FOR_CHECK.some((part) => u.includes(part))),
    [],
  );
});
