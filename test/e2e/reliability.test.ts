/**
 * Issue 20's defects, reproduced as a user meets them: each test is shaped like the failure the
 * fault campaign found (a crafted repository object, a real deep tree, a real socket...) and
 * failed before its fix.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lifeboat } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

describe('issue 20 defects', () => {
  let work: string;

  before(async () => {
    work = await makeTempDir('lifeboat-reliab-');
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('defect 7: init refuses an empty or blank password and creates nothing', async () => {
    const blank = join(work, 'blank-pw');
    writeFileSync(blank, '  \n\t\n');
    const cases: Array<{ name: string; args: string[]; env: Record<string, string> }> = [
      { name: 'blank file', args: ['--password-file', blank], env: { LIFEBOAT_PASSWORD: '' } },
      { name: 'command printing nothing', args: ['--password-command', 'true'], env: { LIFEBOAT_PASSWORD: '' } },
      { name: 'command printing spaces', args: ['--password-command', "printf '   '"], env: { LIFEBOAT_PASSWORD: '' } },
    ];
    for (const c of cases) {
      const repo = join(work, `empty-pw-${c.name.replace(/ /g, '-')}`);
      const r = await lifeboat(repo, ['init', ...c.args], { env: c.env });
      assert.equal(r.code, 1, `${c.name}: ${r.stderr}`);
      assert.match(r.stderr, /empty password/, c.name);
      assert.ok(!existsSync(repo), `${c.name}: nothing may be created`);
    }
  });
});
