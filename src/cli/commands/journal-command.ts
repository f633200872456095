/**
 * `lifeboat journal [--json]` and `lifeboat journal verify [--expect HASH]`: the tamper-evident
 * record of points created, proofs, releases, approvals (`rollback approve`, in
 * rollback-commands.ts) and rollback steps (docs/design/journal.md).
 */
import { EXIT } from '../exit-codes.js';
import { choosePrinter } from '../printers/index.js';
import { planOf, withPlanRepository } from './point-commands.js';
import type { Register } from '../action.js';

const app = (): Promise<typeof import('../../app/index.js')> => import('../../app/index.js');
const printers = (): Promise<typeof import('../printers/journal-printers.js')> => import('../printers/journal-printers.js');

export const registerJournalCommands: Register = (program, run) => {
  const journal = program
    .command('journal')
    .description('list the tamper-evident journal: points created, proofs run, points released, rollback plans approved, rollback steps applied')
    .option('-c, --config <file>', 'plan file naming the repository (default: ./lifeboat.yaml when present)')
    .action(
      run(async (ctx, o) => {
        const [{ journalRead }, { journalListPrinter }] = await Promise.all([app(), printers()]);
        const plan = await planOf(o.config, false);
        const stored = await withPlanRepository(ctx, plan, (repo) => journalRead(repo, ctx.signal));
        choosePrinter(ctx, journalListPrinter)(stored);
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
        const [{ journalVerify }, { journalVerifyPrinter }] = await Promise.all([app(), printers()]);
        // -c is the parent's option (`journal verify -c FILE` and `journal -c FILE verify` alike)
        const plan = await planOf(journal.opts().config, false);
        const v = await withPlanRepository(ctx, plan, (repo) => journalVerify(repo, { expect: o.expect, signal: ctx.signal }));
        choosePrinter(ctx, journalVerifyPrinter)(v);
        if (!v.ok) ctx.exitCode = EXIT.error;
      }),
    );
};
