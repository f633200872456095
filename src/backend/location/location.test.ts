import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { LifeboatError } from '../../core/index.js';
import { type Location, describeLocation, parseLocation } from './location.js';

const usageError = (err: unknown): boolean => err instanceof LifeboatError && err.code === 'E_USAGE';

test('local: bare paths and local:, made absolute; unknown prefixes are paths', () => {
  assert.deepEqual(parseLocation('/srv/repo'), { scheme: 'local', path: '/srv/repo' });
  assert.deepEqual(parseLocation('local:/srv/repo'), { scheme: 'local', path: '/srv/repo' });
  assert.deepEqual(parseLocation('repo'), { scheme: 'local', path: resolve('repo') });
  assert.deepEqual(parseLocation('./a/../b'), { scheme: 'local', path: resolve('b') });
  assert.deepEqual(parseLocation('local:rel/dir'), { scheme: 'local', path: resolve('rel/dir') });
  assert.deepEqual(parseLocation('/tmp/a:b'), { scheme: 'local', path: '/tmp/a:b' });
  assert.deepEqual(parseLocation('foo:bar'), { scheme: 'local', path: resolve('foo:bar') });
  assert.deepEqual(parseLocation(':x'), { scheme: 'local', path: resolve(':x') });
  assert.deepEqual(parseLocation('local'), { scheme: 'local', path: resolve('local') });
  assert.deepEqual(parseLocation('local:local:x'), { scheme: 'local', path: resolve('local:x') });
  assert.throws(() => parseLocation(''), usageError);
  assert.throws(() => parseLocation('local:'), usageError);
});

test('rest: http(s) URLs, normalised to end with a slash', () => {
  assert.deepEqual(parseLocation('rest:http://host:8000/'), { scheme: 'rest', url: 'http://host:8000/' });
  assert.deepEqual(parseLocation('rest:https://user:pw@host/repo'), { scheme: 'rest', url: 'https://user:pw@host/repo/' });
  assert.deepEqual(parseLocation('rest:http://[::1]:8000/a/b/'), { scheme: 'rest', url: 'http://[::1]:8000/a/b/' });
  assert.throws(() => parseLocation('rest:'), usageError);
  assert.throws(() => parseLocation('rest:host:8000'), usageError);
  assert.throws(() => parseLocation('rest:ftp://host/'), usageError);
});

test('s3: endpoint/bucket/prefix in its three spellings', () => {
  assert.deepEqual(parseLocation('s3:s3.amazonaws.com/bucket/some/prefix'), {
    scheme: 's3',
    endpoint: 's3.amazonaws.com',
    bucket: 'bucket',
    prefix: 'some/prefix',
    useHttp: false,
  });
  assert.deepEqual(parseLocation('s3://s3.eu-west-1.amazonaws.com/bucket'), {
    scheme: 's3',
    endpoint: 's3.eu-west-1.amazonaws.com',
    bucket: 'bucket',
    prefix: '',
    useHttp: false,
  });
  assert.deepEqual(parseLocation('s3:http://localhost:9000/restic/repo/'), {
    scheme: 's3',
    endpoint: 'localhost:9000',
    bucket: 'restic',
    prefix: 'repo',
    useHttp: true,
  });
  assert.deepEqual(parseLocation('s3:https://minio.example:9443/b//p//q'), {
    scheme: 's3',
    endpoint: 'minio.example:9443',
    bucket: 'b',
    prefix: 'p/q',
    useHttp: false,
  });
  for (const bad of ['s3:', 's3:host', 's3:host/', 's3:http://host', 's3:https://host/', 's3:/bucket/p', 's3:host/b/../x']) {
    assert.throws(() => parseLocation(bad), usageError, bad);
  }
});

test('rclone: everything after the scheme is the rclone remote', () => {
  assert.deepEqual(parseLocation('rclone:remote:path/to/repo'), { scheme: 'rclone', remote: 'remote:path/to/repo' });
  assert.deepEqual(parseLocation('rclone::local:/x'), { scheme: 'rclone', remote: ':local:/x' });
  assert.throws(() => parseLocation('rclone:'), usageError);
});

test('sftp: scp style and URL style', () => {
  assert.deepEqual(parseLocation('sftp:user@host:/srv/repo'), { scheme: 'sftp', user: 'user', host: 'host', path: '/srv/repo' });
  assert.deepEqual(parseLocation('sftp:backup-host:repo'), { scheme: 'sftp', host: 'backup-host', path: 'repo' });
  assert.deepEqual(parseLocation('sftp:me@corp@host:/r@x:y'), { scheme: 'sftp', user: 'me@corp', host: 'host', path: '/r@x:y' });
  assert.deepEqual(parseLocation('sftp:user@[::1]:/srv/repo'), { scheme: 'sftp', user: 'user', host: '::1', path: '/srv/repo' });
  assert.deepEqual(parseLocation('sftp://user@host:2222//srv/repo'), { scheme: 'sftp', user: 'user', host: 'host', port: 2222, path: '/srv/repo' });
  assert.deepEqual(parseLocation('sftp://host/relative/repo'), { scheme: 'sftp', host: 'host', path: 'relative/repo' });
  assert.deepEqual(parseLocation('sftp://[fe80::1]:22//r'), { scheme: 'sftp', host: 'fe80::1', port: 22, path: '/r' });
  for (const bad of ['sftp:', 'sftp:host', 'sftp:host:', 'sftp:user@:/x', 'sftp://host', 'sftp://host/', 'sftp:[::1]/x']) {
    assert.throws(() => parseLocation(bad), usageError, bad);
  }
});

test("restic's other backends are recognised (not taken for local paths)", () => {
  assert.deepEqual(parseLocation('b2:bucket:path'), { scheme: 'b2', spec: 'bucket:path' });
  assert.deepEqual(parseLocation('azure:container:/path'), { scheme: 'azure', spec: 'container:/path' });
  assert.deepEqual(parseLocation('gs:bucket:/'), { scheme: 'gs', spec: 'bucket:/' });
  assert.deepEqual(parseLocation('swift:container:/p'), { scheme: 'swift', spec: 'container:/p' });
  assert.throws(() => parseLocation('b2:'), usageError);
});

test('describeLocation gives the location back without passwords', () => {
  const cases: [string, string][] = [
    ['local:/srv/repo', '/srv/repo'],
    ['rest:https://user:secret@host:8000/repo', 'rest:https://user:***@host:8000/repo/'],
    ['rest:http://host/', 'rest:http://host/'],
    ['s3:s3.amazonaws.com/bucket/prefix', 's3:s3.amazonaws.com/bucket/prefix'],
    ['s3:http://localhost:9000/b', 's3:http://localhost:9000/b'],
    ['rclone:remote:path', 'rclone:remote:path'],
    ['sftp:user@host:/srv/repo', 'sftp:user@host:/srv/repo'],
    ['sftp://host:2222//srv/repo', 'sftp://host:2222//srv/repo'],
    ['b2:bucket:path', 'b2:bucket:path'],
  ];
  for (const [text, shown] of cases) {
    const loc: Location = parseLocation(text);
    assert.equal(describeLocation(loc), shown, text);
    assert.deepEqual(parseLocation(describeLocation(loc).replace('***', 'secret')), loc, `round trip of ${text}`);
  }
  assert.throws(
    () => parseLocation('rest:https://user:secret@'),
    (err: unknown) => usageError(err) && !String((err as Error).message).includes('secret'),
  );
});

// found by test/faults/fuzz-inputs.test.ts: a malformed %-escape threw a URIError
test('a malformed %-escape in a URL location is a usage error naming the location', () => {
  for (const text of ['sftp://backup@[fd00::1]:2222/%srv/repo', 'sftp://%zz@host//srv', 's3:https://s3.example.com/bucket/%zz']) {
    assert.throws(
      () => parseLocation(text),
      (err: unknown) => err instanceof LifeboatError && err.code === 'E_USAGE' && /malformed %-escape/.test(err.message),
      text,
    );
  }
});
