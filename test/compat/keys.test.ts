/** Passwords: keys Lifeboat adds open the repository in restic, and the reverse. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let work: string;
before(async () => {
  work = await makeTempDir('lifeboat-keys-');
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

test('key add/list/remove/passwd, interoperable with restic', async () => {
  const repo = join(work, 'repo');
  const pw = (name: string, value: string): string => {
    const f = join(work, name);
    writeFileSync(f, `${value}\n`);
    return f;
  };
  await lifeboatOk(repo, ['init']);
  await lifeboatOk(repo, ['key', 'add', '--new-password-file', pw('second', 'second password')]);
  await restic(repo, ['snapshots'], { env: { RESTIC_PASSWORD: 'second password' } });
  await restic(repo, ['key', 'add', '--new-password-file', pw('third', 'third password')]);
  await lifeboatOk(repo, ['snapshots'], { env: { LIFEBOAT_PASSWORD: 'third password' } });

  const keys = JSON.parse((await lifeboatOk(repo, ['key', 'list', '--json'])).stdout.toString()) as { id: string; current: boolean }[];
  assert.equal(keys.length, 3);
  assert.equal(keys.filter((k) => k.current).length, 1);
  const current = keys.find((k) => k.current)!;
  const refused = await lifeboat(repo, ['key', 'remove', current.id.slice(0, 10)]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /in use and cannot be removed/);

  const other = await lifeboatOk(repo, ['key', 'list', '--json'], { env: { LIFEBOAT_PASSWORD: 'third password' } });
  const third = (JSON.parse(other.stdout.toString()) as { id: string; current: boolean }[]).find((k) => k.current)!;
  await lifeboatOk(repo, ['key', 'remove', third.id]);
  assert.equal((await lifeboat(repo, ['snapshots'], { env: { LIFEBOAT_PASSWORD: 'third password' } })).code, 12);

  await lifeboatOk(repo, ['key', 'passwd', '--new-password-file', pw('new', 'new password')]);
  assert.equal((await lifeboat(repo, ['snapshots'])).code, 12);
  await lifeboatOk(repo, ['snapshots'], { env: { LIFEBOAT_PASSWORD: 'new password' } });
  await restic(repo, ['check'], { env: { RESTIC_PASSWORD: 'new password' } });
});
