/** `lifeboat notify test -c FILE`: sends a test event to every notification target of the plan file. */
import { EXIT } from '../exit-codes.js';
import { printLine } from '../io.js';
import { choosePrinter } from '../printers/index.js';
import type { Register } from '../action.js';

export const registerNotifyCommands: Register = (program, run) => {
  const notify = program.command('notify').description("notifications of the plan file's notify: section");
  notify
    .command('test')
    .description('send a test event (notify.test) to every target, whatever events it subscribes to')
    .option('-c, --config <file>', 'plan file (default: ./lifeboat.yaml)', 'lifeboat.yaml')
    .addHelpText('after', '\nExit codes: 0 every target accepted the event, 1 the plan file has no targets or cannot be read, 3 some target failed.')
    .action(
      run(async (ctx, o) => {
        const { loadPlanFile, notifyAll, testEvent } = await import('../../app/index.js');
        const { notifyTestPrinter } = await import('../printers/serve-notify-printers.js');
        const plan = await loadPlanFile(o.config);
        if (!plan.notify.length) {
          printLine(ctx.io.stderr, `lifeboat: ${plan.file} has no notify: targets`);
          printLine(ctx.io.stderr, '  hint: add a notify: section (docs/design/events.md)');
          ctx.exitCode = EXIT.error;
          return;
        }
        const results = await notifyAll(plan.notify, testEvent(plan.host));
        const print = choosePrinter(ctx, notifyTestPrinter);
        for (const r of results) print(r);
        if (results.some((r) => !r.ok)) ctx.exitCode = EXIT.partial;
      }),
    );
};
