// The CLI's bundle: bin/lifeboat loads dist/bundle/ (esbuild over tsc's output in dist/src), not the
// ≈ 140 compiled modules one by one. Node 20's ES module loader spends ≈ 0.5 ms per module
// resolving, reading and linking it; check --read-data of /usr/share's repository ran 4.3 % faster
// (6 alternating pairs) with 6 MiB less peak RSS, a listing of snapshots in 0.26 s instead of 0.31.
// Use cases the CLI loads lazily stay lazy (split chunks); packages stay in node_modules (the zstd
// binding is found next to its package; bundling commander as well gained nothing, 6 pairs).
// The checker's worker (the path without the addon) is an entry of its own: it is loaded by URL.
// dist/bundle-meta.json (not shipped) maps each output file to the compiled modules it holds, so
// tests can still tell which modules a command loaded (test/e2e/check-modules.test.ts).
import { rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const outdir = 'dist/bundle';
await rm(outdir, { recursive: true, force: true }); // no stale chunk from an earlier build
const { metafile } = await build({
  entryPoints: {
    main: 'dist/src/cli/main.js',
    'early-key': 'dist/src/cli/early-key.js',
    'verify-worker': 'dist/src/engine/checker/verify-worker.js',
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  metafile: true,
});
await writeFile('dist/bundle-meta.json', `${JSON.stringify(metafile, null, 1)}\n`);
