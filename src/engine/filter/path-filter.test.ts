import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PathFilter } from './path-filter.js';

test('patterns without a leading slash match at any depth, and parents exclude their contents', () => {
  const f = new PathFilter(['*.tmp', 'cache', '/etc/ssh/*_key']);
  assert.ok(f.matches('/home/u/x.tmp'));
  assert.ok(f.matches('/var/cache'));
  assert.ok(f.matches('/var/cache/deep/file'));
  assert.ok(f.matches('/etc/ssh/ssh_host_rsa_key'));
  assert.ok(!f.matches('/etc/ssh/ssh_host_rsa_key.pub'));
  assert.ok(!f.matches('/srv/app/data'));
  assert.ok(!f.matchesExactly('/var/cache/deep/file'));
});

test('case-insensitive patterns and comments', () => {
  const f = new PathFilter(['# a comment', ''], ['*.LOG']);
  assert.ok(f.matches('/var/log/app.log'));
  assert.ok(!new PathFilter(['*.LOG']).matches('/var/log/app.log'));
  assert.ok(new PathFilter(['# only a comment']).empty);
});

test('PathSet matches exact paths and their contents, glob characters included', async () => {
  const { PathSet } = await import('./path-set.js');
  const s = new PathSet(['/srv/app/[x]*.conf', '/etc/dir/']);
  assert.ok(s.matchesExactly('/srv/app/[x]*.conf'));
  assert.ok(!s.matchesExactly('/srv/app/x1.conf'));
  assert.ok(s.matches('/etc/dir/sub/file'));
  assert.ok(s.matchesExactly('/etc/dir'));
  assert.ok(!s.matches('/etc/dirt'));
  assert.ok(!s.matches('/etc'));
  assert.ok(new PathSet(['/']).matches('/anything'));
});
