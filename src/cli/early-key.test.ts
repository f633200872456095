import assert from 'node:assert/strict';
import { test } from 'node:test';
import { earlyKeyFlags } from './early-key.js';

test('the flags naming the repository and its password are read wherever they stand, for commands that open a repository', () => {
  assert.deepEqual(earlyKeyFlags(['-r', '/srv/repo', 'backup', '/etc']), { repo: '/srv/repo' });
  assert.deepEqual(earlyKeyFlags(['check', '--read-data', '--repo=/srv/repo', '-p', '/etc/pw']), { repo: '/srv/repo', passwordFile: '/etc/pw' });
  assert.deepEqual(earlyKeyFlags(['-o', 'connections=4', '--password-command', 'pass lifeboat', 'restore', 'latest']), { passwordCommand: 'pass lifeboat' });
  assert.deepEqual(earlyKeyFlags(['snapshots']), {});
  // what the command's own arguments hold is not read: after `--`, or a value named like a flag later
  assert.deepEqual(earlyKeyFlags(['backup', '--', '-r', '/elsewhere']), {});
});

test('commands that create a repository or need none start nothing', () => {
  for (const argv of [['init', '-r', '/srv/repo'], ['inventory', 'collect'], ['--help'], ['-V'], [], ['-r', '/srv/repo'], ['schedule', 'install', 'backup']]) {
    assert.equal(earlyKeyFlags(argv), undefined, argv.join(' '));
  }
});
