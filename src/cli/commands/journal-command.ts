/**
 * `lifeboat journal [--json]`, `lifeboat journal verify [--expect HASH]` and `lifeboat rollback
 * approve`: the tamper-evident record of points created, proofs, releases, approvals and
 * rollback steps (docs/design/journal.md).
 */
import { EXIT } from '../exit-codes.js';
import { renderTable } from '../format.js';
import { printJson, printLine } from '../io.js';
import { planOf, withPlanRepository } from './point-commands.js';
import type { Register } from '../action.js';

const app = (): Promise<typeof import('../../app/index.js')> => import('../../app/index.js');

export const registerJournalCommands: Register = (program, run) => {
  const journal = program
    .command('journal')
    .description('list the tamper-evident journal: points created, proofs run, points released, rollback plans approved, rollback steps applied')
    .option('-c, --config <file>', 'plan file naming the repository (default: ./lifeboat.yaml when present)')
    .action(
      run(async (ctx, o) => {
        const { journalRead, journalCitation } = await app();
        const plan = await planOf(o.config, false);
        const stored = await withPlanRepository(ctx, plan, (repo) => journalRead(repo, ctx.signal));
        if (ctx.flags.json) {
          printJson(
            ctx.io.stdout,
            stored.map((s) => ({ snapshot: s.snapshot, ...(s.record ?? { error: s.error }) })),
          );
          return;
        }
        printLine(
          ctx.io.stdout,
          renderTable(
            ['entry', 'time', 'event', 'point', 'summary'],
            stored.map((s) =>
              s.record
                ? [journalCitation(s.record), s.record.time.replace('T', ' ').slice(0, 19), s.record.event, s.record.point ?? '', s.record.summary]
                : [`snapshot ${s.snapshot.slice(0, 8)}`, '', 'unreadable', '', s.error ?? ''],
            ),
          ),
        );
        printLine(ctx.io.stdout, `${stored.length} journal records`);
      }),
    );

  journal
    .command('verify')
    .description('check the chain of the journal: names any record removed, reordered or altered (-c as for journal)')
    .option(
      '--expect <entry>',
      'a record cited elsewhere (hash or its first 12 characters, as a plan cites it) that must be in the journal; repeatable',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .addHelpText('after', '\nExit codes: 0 the chain is intact, 1 a record was removed, reordered, altered or cannot be read.')
    .action(
      run(async (ctx, o) => {
        const { journalVerify, journalCitation } = await app();
        // -c is the parent's option (`journal verify -c FILE` and `journal -c FILE verify` alike)
        const plan = await planOf(journal.opts().config, false);
        const v = await withPlanRepository(ctx, plan, (repo) => journalVerify(repo, { expect: o.expect, signal: ctx.signal }));
        const head = v.heads.map((h) => journalCitation(h)).join(', ');
        if (ctx.flags.json) {
          for (const f of v.findings) printJson(ctx.io.stdout, { message_type: 'finding', ...f });
          printJson(ctx.io.stdout, {
            message_type: 'summary',
            ok: v.ok,
            records: v.records,
            heads: v.heads.map((h) => ({ seq: h.seq, hash: h.hash })),
            errors: v.findings.filter((f) => f.severity === 'error').length,
          });
        } else {
          for (const f of v.findings) printLine(f.severity === 'error' ? ctx.io.stderr : ctx.io.stdout, `${f.severity === 'error' ? 'lifeboat: ' : 'note: '}${f.kind}: ${f.message}`);
          printLine(
            ctx.io.stdout,
            v.ok
              ? `journal intact: ${v.records} records${head ? `, newest ${head}` : ''}`
              : `JOURNAL DAMAGED OR TAMPERED WITH: ${v.findings.filter((f) => f.severity === 'error').length} problems in ${v.records} records`,
          );
        }
        if (!v.ok) ctx.exitCode = EXIT.error;
      }),
    );

  const rollback = program.commands.find((c) => c.name() === 'rollback');
  (rollback ?? program.command('rollback'))
    .command('approve')
    .description('approve the rollback plan to a point: records the plan digest and the approver in the journal')
    .argument('<point>', 'point ID, unique prefix, name, or latest')
    .requiredOption('--by <name>', 'who approves (a person or change board)')
    .option('--note <text>', 'change ticket or decision reference')
    .option('-c, --config <file>', 'plan file (default: ./lifeboat.yaml)')
    .action(
      run(async (ctx, ref, o) => {
        const { rollbackApprove, journalCitation } = await app();
        const plan = await planOf(o.config, true);
        const r = await withPlanRepository(ctx, plan, (repo) => rollbackApprove(repo, plan, ref, { env: ctx.io.env, signal: ctx.signal, approver: o.by, note: o.note }));
        if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'approved', point: r.plan.point.id, plan_digest: r.digest, journal: { seq: r.record.seq, hash: r.record.hash } });
        else printLine(ctx.io.stdout, `rollback plan to point ${r.plan.point.id} approved by ${o.by}: plan ${r.digest.slice(0, 12)}, journal record ${journalCitation(r.record)}`);
      }),
    );
};
