/**
 * The exit codes of the contract (docs/cli.md) reach the shell from every command, the inventory
 * commands included: 12 wrong password, 10 no repository at the location, 11 locked.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeForeignLock } from '../helpers/locks.js';
import { lifeboat, lifeboatOk } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

describe('exit codes of the CLI contract', () => {
  let work: string;
  let repo: string;
  let csv: string;
  /** Commands that open the repository, with the arguments they need. */
  let commands: [string, string[]][];
  /** Runs each command (in parallel: each start costs a second) and returns name, exit code and stderr. */
  const runAll = (location: string, list: [string, string[]][], env?: Record<string, string>): Promise<[string, number, string][]> =>
    Promise.all(
      list.map(async ([name, args]) => {
        const r = await lifeboat(location, args, { env });
        return [name, r.code, r.stderr] as [string, number, string];
      }),
    );

  before(async () => {
    work = await makeTempDir('lifeboat-exit-');
    repo = join(work, 'repo');
    csv = join(work, 'users.csv');
    writeFileSync(csv, '"SipAddress","DisplayName","RegistrarPool","Enabled"\r\n"sip:a@x.com","Anna","pool01.x.com","True"\r\n');
    commands = [
      ['inventory collect --store', ['-q', 'inventory', 'collect', '--source', `csv:${csv}`, '--preset', 'sfb', '--store']],
      ['inventory show', ['inventory', 'show']],
      ['snapshots', ['snapshots']],
      ['backup', ['-q', 'backup', csv]],
    ];
    await lifeboatOk(repo, ['init']);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('wrong password → 12', async () => {
    for (const [name, code, stderr] of await runAll(repo, commands, { LIFEBOAT_PASSWORD: 'not the password' })) {
      assert.equal(code, 12, `${name}: ${stderr}`);
      assert.match(stderr, /^lifeboat: /m);
      assert.doesNotMatch(stderr, /\n\s+at /, `${name}: no stack trace`);
    }
  });

  test('no repository at the location → 10', async () => {
    for (const [name, code, stderr] of await runAll(join(work, 'missing'), commands)) assert.equal(code, 10, `${name}: ${stderr}`);
  });

  test('locked by another process → 11', async () => {
    await writeForeignLock(repo, { exclusive: true, hostname: 'elsewhere', pid: 4242, username: 'prune' });
    // the commands that write take a lock; inventory show and snapshots read without one
    for (const [name, code, stderr] of await runAll(
      repo,
      commands.filter(([name]) => name === 'inventory collect --store' || name === 'backup'),
    )) {
      assert.equal(code, 11, `${name}: ${stderr}`);
      assert.match(stderr, /lock/i);
    }
  });

  test("rollback plan's exit 2 is named in its --help", async () => {
    const r = await lifeboatOk(undefined, ['rollback', 'plan', '--help']);
    assert.match(r.stdout.toString(), /2 differences found/);
  });
});
