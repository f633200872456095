/**
 * `inventory collect --store` saves the document and its Markdown report as a snapshot tagged
 * `inventory`; `inventory show` reads it back, and restic can dump both files.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { withTempDir } from '../helpers/tmp.js';

const CSV = '"SipAddress","DisplayName","RegistrarPool","Enabled"\r\n"sip:a@x.com","Anna","pool01.x.com","True"\r\n"sip:b@x.com","Bert","pool02.x.com","True"\r\n';

test('inventory collect --store, inventory show, restic dump', async () => {
  await withTempDir(async (dir) => {
    const repo = join(dir, 'repo');
    const csv = join(dir, 'users.csv');
    await writeFile(csv, CSV);
    await lifeboatOk(repo, ['init']);

    const missing = await lifeboat(repo, ['inventory', 'show']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no snapshot tagged inventory/);

    const stored = await lifeboatOk(repo, ['inventory', 'collect', '--source', `csv:${csv}`, '--preset', 'sfb', '--store', '--tag', 'before-move', '-o', join(dir, 'doc.json')]);
    const id = stored.stdout.toString().trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(stored.stderr, /inventory stored as snapshot/);

    const snaps = JSON.parse((await restic(repo, ['snapshots', '--json', '--tag', 'inventory'])).stdout.toString()) as { id: string; tags: string[]; paths: string[] }[];
    assert.equal(snaps.length, 1);
    assert.equal(snaps[0]!.id, id);
    assert.deepEqual(snaps[0]!.tags, ['inventory', 'before-move']);
    assert.deepEqual(snaps[0]!.paths, ['/inventory.json', '/inventory.md']);

    const written = JSON.parse(await readFile(join(dir, 'doc.json'), 'utf8'));
    const shownJson = JSON.parse((await lifeboatOk(repo, ['inventory', 'show', '--format', 'json'])).stdout.toString());
    assert.deepEqual(shownJson, written);
    const dumped = JSON.parse((await restic(repo, ['dump', id.slice(0, 8), '/inventory.json'])).stdout.toString());
    assert.deepEqual(dumped, written);

    const md = (await lifeboatOk(repo, ['inventory', 'show', id.slice(0, 8)])).stdout.toString();
    assert.match(md, /## Accounts per pool/);
    assert.match(md, /pool02\.x\.com/);
    assert.equal((await restic(repo, ['dump', 'latest', '/inventory.md', '--tag', 'inventory'])).stdout.toString(), md.replace(/\n$/, '\n'));

    const notInventory = await lifeboatOk(repo, ['backup', csv]);
    const plain = JSON.parse((await restic(repo, ['snapshots', '--json', 'latest'])).stdout.toString())[0].id as string;
    const wrong = await lifeboat(repo, ['inventory', 'show', plain.slice(0, 8)]);
    assert.equal(wrong.code, 1, notInventory.stderr);
    assert.match(wrong.stderr, /holds no \/inventory\.json/);
  });
});
