/**
 * The tamper-evident journal through the CLI, in a repository that real restic checks: a point
 * created, its rollback plan approved (twice at the same time), the point released; the journal
 * lists and verifies; then records are removed and edited with restic itself (as someone holding
 * the repository password could) and `journal verify` names them.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

interface ListedRecord {
  snapshot: string;
  seq: number;
  event: string;
  point: string | null;
  hash: string;
  prev: string[];
  summary: string;
}

describe('journal, end to end', () => {
  let work: string;
  let repo: string;
  let planFile: string;

  before(async () => {
    work = await makeTempDir('lifeboat-journal-');
    repo = join(work, 'repo');
    const files = join(work, 'srv', 'app');
    mkdirSync(files, { recursive: true });
    writeFileSync(join(files, 'app.ini'), 'mode=production\n');
    writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`);
    planFile = join(work, 'lifeboat.yaml');
    writeFileSync(planFile, [`repository: ${repo}`, 'passwordFile: repo.pw', 'host: fe01', 'sources:', '  - name: app-files', `    files: [${files}]`, ''].join('\n'));
    await lifeboatOk(repo, ['init']);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const cli = (args: string[]) => lifeboat(undefined, [...args, '-c', planFile], { env: { LIFEBOAT_PASSWORD: '', HOME: work } });
  const list = async (): Promise<ListedRecord[]> => {
    const r = await cli(['journal', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.toString()) as ListedRecord[];
  };

  test('records chain, are cited by the plan and the point, survive concurrent appends and restic check; removal and edits are named', async () => {
    const created = await cli(['point', 'create']);
    assert.equal(created.code, 0, created.stderr);
    const pointId = /restore point ([0-9a-f]{8})/.exec(created.stdout.toString())![1]!;
    let records = await list();
    assert.deepEqual(
      records.map((r) => `${r.seq} ${r.event} ${r.point}`),
      [`1 proof-run ${pointId}`, `2 point-created ${pointId}`],
    );
    assert.deepEqual(records[1]!.prev, [records[0]!.hash]);

    const shown = await cli(['point', 'show', pointId]);
    assert.match(shown.stdout.toString(), new RegExp(`journal   #2 \\(${records[1]!.hash.slice(0, 12)}\\) .* point-created: restore point ${pointId}`));

    // two approvals at the same time: both kept, the chain stays whole
    const [a, b] = await Promise.all([cli(['rollback', 'approve', pointId, '--by', 'CAB-1182']), cli(['rollback', 'approve', pointId, '--by', 'CAB-1183', '--note', 'CHG-77'])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.match(a.stdout.toString(), /approved by CAB-1182: plan [0-9a-f]{12}, journal record #\d \([0-9a-f]{12}\)/);
    // the Markdown plan cites every record about the point, approvals included
    const md = await cli(['rollback', 'plan', pointId, '--markdown']);
    assert.match(md.stdout.toString(), /## Journal/, md.stderr);
    const cited = await list();
    assert.equal(cited.length, 4);
    for (const r of cited) assert.match(md.stdout.toString(), new RegExp(`\`#${r.seq} \\(${r.hash.slice(0, 12)}\\)\` .* ${r.event}: `));

    const released = await cli(['point', 'release', pointId]);
    assert.equal(released.code, 0, released.stderr);
    records = await list();
    assert.equal(records.length, 5);
    assert.deepEqual(records.map((r) => r.event).sort(), ['point-created', 'point-released', 'proof-run', 'rollback-plan-approved', 'rollback-plan-approved']);
    const release = records.find((r) => r.event === 'point-released')!;
    const approvals = records.filter((r) => r.event === 'rollback-plan-approved');
    // the release follows both approvals, whether they forked or not
    assert.ok(approvals.every((x) => release.prev.includes(x.hash) || records.some((r) => r.prev.includes(x.hash))));

    const ok = await cli(['journal', 'verify']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout.toString(), new RegExp(`journal intact: 5 records, newest #${release.seq} \\(${release.hash.slice(0, 12)}\\)`));
    await restic(repo, ['check', '--read-data']);
    const tagged = JSON.parse((await restic(repo, ['snapshots', '--json', '--tag', 'lifeboat-journal'])).stdout.toString()) as { id: string; tags: string[] }[];
    assert.equal(tagged.length, 5);
    assert.ok(tagged.every((s) => s.tags.includes('lifeboat-pinned')));
    // pinned: Lifeboat's forget keeps journal records
    const forget = await lifeboatOk(repo, ['forget', '--keep-last', '1', '--json'], { env: { HOME: work } });
    assert.ok((JSON.parse(forget.stdout.toString()) as { remove: { id: string }[] | null }[]).every((g) => !g.remove?.some((s) => tagged.some((t) => t.id === s.id))));

    // --- edit: the point-created record rewritten with restic (new snapshot, old one forgotten) ---
    const edited = join(work, 'repo-edited');
    cpSync(repo, edited, { recursive: true });
    const createdRec = records.find((r) => r.event === 'point-created')!;
    const original = JSON.parse((await restic(edited, ['dump', createdRec.snapshot, '/journal-record.json'])).stdout.toString()) as Record<string, unknown>;
    const forged = JSON.stringify({ ...original, summary: `${String(original.summary)} (all clear)` }, null, 1);
    const backed = await run('restic', ['--no-cache', '-r', edited, 'backup', '--stdin', '--stdin-filename', 'journal-record.json', '--tag', 'lifeboat-journal,lifeboat-pinned', '--host', 'fe01'], {
      env: { RESTIC_PASSWORD: TEST_PASSWORD },
      input: forged,
    });
    assert.equal(backed.code, 0, backed.stderr);
    await restic(edited, ['forget', createdRec.snapshot]);
    const v1 = await lifeboat(edited, ['journal', 'verify']);
    assert.equal(v1.code, 1);
    assert.match(v1.stderr, new RegExp(`altered: record #2 \\(${createdRec.hash.slice(0, 12)}\\) \\(point-created of point ${pointId}\\) was altered`));

    // --- removal: the proof record forgotten with restic ---
    const proofRec = records.find((r) => r.event === 'proof-run')!;
    await restic(repo, ['forget', proofRec.snapshot]);
    const v2 = await cli(['journal', 'verify', '--json']);
    assert.equal(v2.code, 1);
    const lines = v2.stdout
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { message_type: string; kind?: string; record?: string; message?: string; severity?: string; errors?: number });
    const findings = lines.filter((l) => l.message_type === 'finding' && l.severity === 'error');
    assert.deepEqual(
      findings.map((f) => `${f.kind} ${f.record}`),
      [`removed #2 (${createdRec.hash.slice(0, 12)})`],
    );
    assert.match(findings[0]!.message!, new RegExp(proofRec.hash.slice(0, 12)));
    assert.equal(lines.at(-1)!.errors, 1);

    // --- the newest record removed: only a citation shows it ---
    await restic(repo, ['forget', release.snapshot]);
    const v3 = await cli(['journal', 'verify', '--expect', release.hash.slice(0, 12)]);
    assert.equal(v3.code, 1);
    assert.match(v3.stderr, new RegExp(`removed: the cited record ${release.hash.slice(0, 12)} is not in the journal`));
    await restic(repo, ['check']);
  });
});
