/**
 * `lifeboat system layout|restore`: whole systems (docs/bare-metal.md). `restore` rebuilds a
 * machine a point's `system` source recorded on a blank disk; without --yes it prints every
 * destructive step and touches nothing.
 */
import type { Writable } from 'node:stream';
import type { SystemRestoreResult } from '../../app/index.js';
import { EXIT } from '../exit-codes.js';
import { formatBytes } from '../format.js';
import { printJson, printLine } from '../io.js';
import { planOf, withPlanRepository } from './point-commands.js';
import type { Register } from '../action.js';

const app = (): Promise<typeof import('../../app/index.js')> => import('../../app/index.js');

function printRestore(w: Writable, r: SystemRestoreResult): void {
  if (!r.executed) {
    printLine(w, `plan to restore system source ${r.source} of point ${r.point} (snapshot ${r.snapshot.slice(0, 8)}) onto ${r.disk}:`);
    for (const s of r.steps) printLine(w, `  ${s}`);
    printLine(w, 'partition table (sfdisk script):');
    printLine(w, r.table.trimEnd().replace(/^/gm, '    '));
  } else {
    printLine(w, `restored system source ${r.source} of point ${r.point} onto ${r.disk}: ${r.filesRestored} files, ${formatBytes(r.bytesRestored)}${r.errors ? `, ${r.errors} errors` : ''}`);
    if (r.report) printLine(w, `report: ${r.report} in the restored system`);
  }
  for (const warning of r.warnings) printLine(w, `  needs manual work: ${warning}`);
  if (!r.executed) printLine(w, 'nothing was changed; run again with --yes to do this');
}

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
        const { systemLayout, describeSystemLayout } = await app();
        const plan = await planOf(o.config, false);
        const r = await withPlanRepository(ctx, plan, (repo) => systemLayout(repo, ref, o.source, ctx.signal));
        if (ctx.flags.json) printJson(ctx.io.stdout, r.layout);
        else printLine(ctx.io.stdout, describeSystemLayout(r.layout).trimEnd());
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
        const plan = await planOf(o.config, false);
        const say = (line: string): void => {
          if (!ctx.flags.quiet && !ctx.flags.json) printLine(ctx.io.stderr, line);
        };
        const r = await withPlanRepository(ctx, plan, (repo) =>
          systemRestore(repo, {
            point: ref,
            source: o.source,
            disk: o.disk,
            fromDisk: o.fromDisk,
            yes: Boolean(o.yes),
            signal: ctx.signal,
            onStep: (text) => say(text),
            onError: (path, err) => printLine(ctx.io.stderr, `lifeboat: ${path}: ${err.message}`),
          }),
        );
        if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'system_restore', ...r });
        else printRestore(ctx.io.stdout, r);
        if (r.errors > 0) ctx.exitCode = EXIT.partial;
      }),
    );
};
