#!/usr/bin/env node
// Deterministic tree of many small files, for restore and rollback benchmarks.
// usage: node gen-small-tree.mjs OUT_DIR [files=200000] [seed=42]
//   OUT_DIR/aNN/bNN/cNN/: 20 files per directory, 20 × 20 × 25 directories for 200,000 files
//   (fewer files fill fewer directories); sizes 100 B – 16 KiB, log-skewed (median ≈ 1.3 KiB),
//   source-like text (each file different, zstd ratio ≈ 4); mtimes fixed per file.
// `touch(OUT_DIR, file)` (exported) rewrites file number `file` with new content of a new size.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prng, makeVocab, codeText } from './textgen.mjs';

const PER_DIR = 20;
const FAN = [20, 20, 25];
const MTIME = Date.UTC(2026, 0, 1) / 1000;

/** The path below the tree's root of file number `i`. */
export function smallTreePath(i) {
  const d = Math.floor(i / PER_DIR);
  const c = d % FAN[2];
  const b = Math.floor(d / FAN[2]) % FAN[1];
  const a = Math.floor(d / (FAN[2] * FAN[1]));
  const two = (n) => String(n).padStart(2, '0');
  return path.join(`a${two(a)}`, `b${two(b)}`, `c${two(c)}`, `f${String(i % PER_DIR).padStart(2, '0')}.txt`);
}

function content(rnd, ids) {
  const size = Math.round(100 * Math.exp(Math.log(16384 / 100) * Math.pow(rnd(), 1.5)));
  return codeText(rnd, ids, size);
}

/** Writes the tree; returns the number of bytes written. */
export function generateSmallTree(out, files = 200_000, seed = '42') {
  const rnd = prng(`${seed}:small-tree`);
  const ids = makeVocab(rnd);
  let bytes = 0;
  let dir = '';
  for (let i = 0; i < files; i++) {
    const file = path.join(out, smallTreePath(i));
    if (path.dirname(file) !== dir) {
      dir = path.dirname(file);
      fs.mkdirSync(dir, { recursive: true });
    }
    const buf = content(rnd, ids);
    fs.writeFileSync(file, buf);
    fs.utimesSync(file, MTIME + i, MTIME + i);
    bytes += buf.length;
  }
  return bytes;
}

/** Rewrites file number `i` of the tree with other content (of another size) and a new mtime. */
export function touchSmallTreeFile(out, i, seed = 'changed') {
  const rnd = prng(`${seed}:${i}`);
  const file = path.join(out, smallTreePath(i));
  fs.writeFileSync(file, content(rnd, makeVocab(rnd, 50)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = path.resolve(process.argv[2] ?? '');
  const files = Number(process.argv[3] ?? 200_000);
  if (!process.argv[2] || !Number.isInteger(files) || files < 1) {
    console.error('usage: node gen-small-tree.mjs OUT_DIR [files=200000] [seed=42]');
    process.exit(2);
  }
  if (fs.existsSync(out)) {
    console.error(`${out} exists; remove it first`);
    process.exit(1);
  }
  const t0 = Date.now();
  const bytes = generateSmallTree(out, files, process.argv[4] ?? '42');
  console.error(`done: ${files} files, ${bytes} bytes in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
