import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withTempDir } from '../../test/helpers/tmp.js';
import { saveAncestorMetadata } from './ancestor-metadata.js';

test('ancestors get their mode back; a failure to put it back is reported with the path, not ignored', async () => {
  await withTempDir(async (dir) => {
    const outer = join(dir, 'outer');
    const inner = join(outer, 'inner');
    mkdirSync(join(inner, 'source'), { recursive: true });
    chmodSync(outer, 0o750);
    chmodSync(inner, 0o711);
    const problems: string[] = [];
    const saved = await saveAncestorMetadata([join(inner, 'source'), join(dir, 'missing', 'source')], (path, message) => problems.push(`${path}: ${message}`));
    assert.ok(saved.paths.includes(outer) && saved.paths.includes(inner));
    assert.ok(!saved.paths.includes(join(dir, 'missing')), 'an ancestor that does not exist has nothing to put back');
    // what the restorer does to directories it passes through
    chmodSync(outer, 0o700);
    chmodSync(inner, 0o700);
    // an immutable directory refuses chmod and utimes even to root: a real failure
    execFileSync('chattr', ['+i', inner]);
    try {
      await saved.putBack();
    } finally {
      execFileSync('chattr', ['-i', inner]);
    }
    assert.equal(statSync(outer).mode & 0o7777, 0o750);
    assert.equal(statSync(inner).mode & 0o7777, 0o700);
    assert.deepEqual(
      problems.map((p) => p.replace(/: [A-Z]+:.*$/, '')),
      // chown is tried as root only (others may not give files away)
      ['mode', ...(process.getuid?.() === 0 ? ['owner'] : []), 'times'].map((what) => `${inner}: cannot put back the ${what} it had before the rollback`),
    );
    assert.match(problems[0]!, /EPERM/);
  });
});
