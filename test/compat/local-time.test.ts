/** Text output shows times in the local zone (TZ), as restic does; --json keeps RFC 3339 with the offset (issue 14). */
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let work: string;
let repo: string;
let src: string;
let id: string;
const NEW_YORK = { TZ: 'America/New_York' };

before(async () => {
  work = await makeTempDir('lifeboat-localtime-');
  repo = join(work, 'repo');
  src = join(work, 'src');
  mkdirSync(join(src, 'etc'), { recursive: true });
  writeFileSync(join(src, 'etc', 'app.conf'), 'listen 8080\n');
  // 02:30 UTC on 15 January is the evening before in New York: the date changes too
  utimesSync(join(src, 'etc', 'app.conf'), new Date('2026-01-15T02:30:00Z'), new Date('2026-01-15T02:30:00Z'));
  await lifeboatOk(repo, ['init']);
  // the backup runs in UTC, so the stored time has a +00:00 offset and the display must convert it
  await restic(repo, ['backup', '--time', '2026-01-15 02:30:00', src], { env: { TZ: 'UTC' } });
  id = (JSON.parse((await lifeboatOk(repo, ['snapshots', '--json'])).stdout.toString()) as { id: string }[])[0]!.id;
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

test('snapshots shows the local time as restic does; --json keeps the stored time', async () => {
  const line = (b: Buffer): string =>
    b
      .toString()
      .split('\n')
      .find((l) => l.startsWith(id.slice(0, 8)))!;
  const ours = line((await lifeboatOk(repo, ['snapshots'], { env: NEW_YORK })).stdout);
  const theirs = line((await restic(repo, ['snapshots'], { env: NEW_YORK })).stdout);
  assert.match(ours, /2026-01-14 21:30:00/);
  assert.equal(ours.split(/\s+/).slice(0, 3).join(' '), theirs.split(/\s+/).slice(0, 3).join(' '));
  const json = JSON.parse((await lifeboatOk(repo, ['snapshots', '--json'], { env: NEW_YORK })).stdout.toString()) as { time: string }[];
  const rjson = JSON.parse((await restic(repo, ['snapshots', '--json'], { env: NEW_YORK })).stdout.toString()) as { time: string }[];
  assert.equal(json[0]!.time, rjson[0]!.time);
  assert.match(json[0]!.time, /^2026-01-15T02:30:00(Z|\+00:00)$/);
});

test('ls -l and find show local times as restic does', async () => {
  const file = (b: Buffer): string =>
    b
      .toString()
      .split('\n')
      .find((l) => l.endsWith('/etc/app.conf'))!;
  const ours = file((await lifeboatOk(repo, ['ls', '-l', id], { env: NEW_YORK })).stdout);
  const theirs = file((await restic(repo, ['ls', '-l', id], { env: NEW_YORK })).stdout);
  assert.match(ours, / 2026-01-14 21:30:00 /);
  assert.equal(ours.replace(/\s+/g, ' '), theirs.replace(/\s+/g, ' '));
  const found = (await lifeboatOk(repo, ['find', 'app.conf'], { env: NEW_YORK })).stdout.toString();
  const rfound = (await restic(repo, ['find', 'app.conf'], { env: NEW_YORK })).stdout.toString();
  const header = (s: string): string => s.split('\n').find((l) => l.startsWith('Found matching entries'))!;
  assert.equal(header(found), header(rfound));
  assert.match(header(found), /from 2026-01-14 21:30:00$/);
});
