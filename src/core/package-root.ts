import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installation's root (bin/, checklists/, binding.gyp and the addon's build/): the nearest
 * directory above the module at `moduleUrl` that holds binding.gyp, or undefined. Compiled modules
 * sit at different depths below it (dist/src/… from tsc, dist/bundle/ for the CLI), so the root is
 * found, not counted in `../` steps.
 */
export function packageRoot(moduleUrl: string): string | undefined {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
