/** Locations tests need: the project root (where package.json is) and the test vectors in it. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no project root above ${start}`);
    dir = up;
  }
}

export const projectRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
/** restic-format test vectors copied into the project (provenance: test/vectors/README.md). */
export const vectorsDir = join(projectRoot, 'test', 'vectors');
export const lifeboatBin = join(projectRoot, 'bin', 'lifeboat');
/** The compiled fault-injection hook a test preloads into a CLI run (`node --import`). */
export const faultKillHook = new URL('./fault-kill-hook.js', import.meta.url).href;
