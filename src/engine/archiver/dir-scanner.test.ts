import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DirScanner } from './dir-scanner.js';

/** Every directory under `top`, depth first, entries in byte order: the archiver's walk order. */
function walkOrder(top: string): string[] {
  const out = [top];
  for (const e of readdirSync(top, { withFileTypes: true })) if (e.isDirectory()) out.push(...walkOrder(join(top, e.name)));
  return out;
}

async function listNames(scanner: DirScanner, path: string): Promise<string[]> {
  const scan = await scanner.list(Buffer.from(path));
  return Array.from({ length: scan.count }, (_, i) => scan.name(i).toString());
}

describe('DirScanner', () => {
  let top: string;
  before(() => {
    top = mkdtempSync(join(tmpdir(), 'lifeboat-scanner-'));
    // wide and deep enough that listings run ahead and some are dropped: 3 levels of 6 directories
    for (let a = 0; a < 6; a++) {
      for (let b = 0; b < 6; b++) {
        for (let c = 0; c < 6; c++) {
          const dir = join(top, `a${a}`, `b${b}`, `c${c}`);
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'f'), `${a}${b}${c}`);
        }
      }
    }
    mkdirSync(join(top, 'a1', 'b1', 'skipped', 'deeper'), { recursive: true });
  });
  after(() => rmSync(top, { recursive: true, force: true }));

  test('a depth-first walk gets every listing as readdir gives it', async () => {
    const scanner = new DirScanner(() => false);
    const dirs = walkOrder(top);
    assert.equal(dirs.length, 1 + 6 + 36 + 216 + 2);
    for (const dir of dirs) assert.deepEqual(await listNames(scanner, dir), readdirSync(dir), dir);
  });

  test('a walk that skips directories, or goes back, still gets correct listings', async () => {
    const skipped = (p: Buffer): boolean => p.toString().endsWith('/skipped');
    const scanner = new DirScanner(skipped);
    // skip every a2 subtree and the excluded one; then go back to a directory the walk passed
    const dirs = walkOrder(top).filter((d) => !d.includes('/a2') && !d.includes('/skipped'));
    for (const dir of dirs) assert.deepEqual(await listNames(scanner, dir), readdirSync(dir), dir);
    for (const dir of [join(top, 'a2', 'b3'), join(top, 'a0'), join(top, 'a1', 'b1', 'skipped')]) {
      assert.deepEqual(await listNames(scanner, dir), readdirSync(dir), dir);
    }
  });

  test('a listing that fails rejects like readdir, and the scanner goes on', async () => {
    const scanner = new DirScanner(() => false);
    await assert.rejects(scanner.list(Buffer.from(join(top, 'missing'))), { code: 'ENOENT', syscall: 'scandir' });
    await assert.rejects(scanner.list(Buffer.from(join(top, 'a0', 'b0', 'c0', 'f'))), { code: 'ENOTDIR' });
    assert.deepEqual(await listNames(scanner, join(top, 'a5')), readdirSync(join(top, 'a5')));
  });
});
