/** What of a file the page cache holds, as util-linux's fincore reports it (tests of dropCachedPages). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** Bytes of `path` in the page cache. */
export function cachedBytes(path: string): number {
  const r = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `fincore ${path}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** True on tmpfs, where a file's cached pages are the file itself and cannot be dropped. */
export function onTmpfs(dir: string): boolean {
  return spawnSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).stdout.trim() === 'tmpfs';
}
