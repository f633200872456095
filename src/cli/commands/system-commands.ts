/**
 * `lifeboat system layout|restore`: whole systems (docs/bare-metal.md). `restore` rebuilds a
 * machine a point's `system` source recorded on a blank disk; without --yes it prints every
 * destructive step and touches nothing.
 */
import { EXIT } from '../exit-codes.js';
import { printLine } from '../io.js';
import { choosePrinter } from '../printers/index.js';
import { planOf, withPlanRepository } from './point-commands.js';
import type { Register } from '../action.js';

const app = (): Promise<typeof import('../../app/index.js')> => import('../../app/index.js');

export const registerSystemCommands: Register = (program, run) => {
  const system = program.command('system').description('whole systems: the machine layout a point recorded, and bare-metal restore onto a blank disk');

  system
    .command('layout')
    .description("print the machine layout a point's system source recorded (disks, partitions, filesystems, boot loader, network)")
    .argument('<point>', 'point ID, unique prefix, name, or latest')
    .option('-c, --config <file>', 'plan file naming the repository (default: ./lifeboat.yaml when present)')
    .option('--source <name>', 'the system source (when the point has several)')
    .action(
      run(async (ctx, ref, o) => {
        const { systemLayout } = await app();
        const { systemLayoutPrinter } = await import('../printers/system-printers.js');
        const plan = await planOf(o.config, false);
        const r = await withPlanRepository(ctx, plan, (repo) => systemLayout(repo, ref, o.source, ctx.signal));
        choosePrinter(ctx, systemLayoutPrinter)(r.layout);
      }),
    );

  system
    .command('restore')
    .description('rebuild the system a point recorded on a blank disk: partition table, filesystems with the same UUIDs and labels, every file, the boot loader')
    .argument('<point>', 'point ID, unique prefix, name, or latest')
    .option('-c, --config <file>', 'plan file naming the repository (default: ./lifeboat.yaml when present)')
    .option('--source <name>', 'the system source (when the point has several)')
    .requiredOption('--disk <device>', 'the disk to overwrite (a whole disk, nothing on it mounted)')
    .option('--from-disk <device>', 'the recorded disk to restore (when the layout has several)')
    .option('--yes', 'do it: without --yes the plan of every destructive step is printed and nothing is touched')
    .addHelpText('after', '\nExit codes: 0 restored (or plan printed), 1 error (a disk in use or too small is refused), 3 restored but some files failed.')
    .action(
      run(async (ctx, ref, o) => {
        const { systemRestore } = await app();
        const { systemRestorePrinter } = await import('../printers/system-printers.js');
        const plan = await planOf(o.config, false);
        const print = choosePrinter(ctx, systemRestorePrinter);
        const r = await withPlanRepository(ctx, plan, (repo) =>
          systemRestore(repo, {
            point: ref,
            source: o.source,
            disk: o.disk,
            fromDisk: o.fromDisk,
            yes: Boolean(o.yes),
            signal: ctx.signal,
            onStep: (text) => print.step(text),
            onError: (path, err) => printLine(ctx.io.stderr, `lifeboat: ${path}: ${err.message}`),
          }),
        );
        print.result(r);
        if (r.errors > 0) ctx.exitCode = EXIT.partial;
      }),
    );
};
