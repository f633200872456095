/**
 * `lifeboat ready [-c FILE] [--strict] [--json]`: the readiness gate of the plan's checklist
 * (docs/sfb-readiness.md), before a point is made. Needs no repository.
 */
import { EXIT } from '../exit-codes.js';
import { choosePrinter } from '../printers/index.js';
import { planOf } from './point-commands.js';
import type { Register } from '../action.js';

const app = (): Promise<typeof import('../../app/index.js')> => import('../../app/index.js');

export const registerReadyCommand: Register = (program, run) => {
  program
    .command('ready')
    .description('check the plan against its checklist (checklist: sfb-2019, sfb-2015, lync-2013): each item verified, unverified, stale or missing, with the command that produces it')
    .option('-c, --config <file>', 'plan file (default: ./lifeboat.yaml)')
    .option('--strict', 'exit 1 when any required item is missing, stale or failed (for a change pipeline)')
    .addHelpText('after', '\nExit codes: 0 every required item is covered, 3 some are missing, stale or failed (1 with --strict), 1 error.')
    .action(
      run(async (ctx, o) => {
        const [{ readinessCheck }, { readinessPrinter }] = await Promise.all([app(), import('../printers/ready-printer.js')]);
        const plan = await planOf(o.config, true);
        const report = await readinessCheck(plan, { env: ctx.io.env, signal: ctx.signal });
        choosePrinter(ctx, readinessPrinter)(report);
        if (report.red.length) ctx.exitCode = o.strict ? EXIT.error : EXIT.partial;
      }),
    );
};
