/**
 * `lifeboat schedule install|list|remove`: restore points and checks on a timer (systemd units,
 * or a cron.d file with --cron). `--print` shows what would be written and writes nothing.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../core/index.js';
import { choosePrinter } from '../printers/index.js';
import type { Register } from '../action.js';

/** This installation's launcher (bin/lifeboat at the package root). */
function lifeboatLauncher(): string {
  const root = packageRoot(import.meta.url);
  const bin = root === undefined ? undefined : join(root, 'bin', 'lifeboat');
  return bin !== undefined && existsSync(bin) ? bin : process.argv[1]!;
}

const app = (): Promise<typeof import('../../app/index.js')> => import('../../app/index.js');
const printers = (): Promise<typeof import('../printers/schedule-printers.js')> => import('../printers/schedule-printers.js');

const DIR_HELP = {
  unitDir: 'where the systemd units go (default /etc/systemd/system; elsewhere, systemctl is not run)',
  cronDir: 'where the cron file goes with --cron (default /etc/cron.d)',
};

export const registerScheduleCommands: Register = (program, run) => {
  const schedule = program.command('schedule').description('take restore points and check the repository on a schedule (systemd timers or cron)');

  schedule
    .command('install')
    .description('write (and enable) a timer for point create and/or check of a plan file')
    .option('-c, --config <file>', 'plan file (default: ./lifeboat.yaml)', 'lifeboat.yaml')
    .option('--point <schedule>', 'when to take a restore point: hourly, daily, daily@02:00, weekly, weekly@sun@03:30, monthly')
    .option('--check <schedule>', 'when to check the repository (same forms)')
    .option('--check-subset <subset>', "the scheduled check reads this part of the data: 'N/M', 'P%' or a size")
    .option('--name <name>', 'schedule name, for several plan files on one machine (units lifeboat-NAME-*)')
    .option('--cron', 'write a cron.d file instead of systemd units')
    .option('--print', 'show the files that would be written; write nothing')
    .option('--unit-dir <dir>', DIR_HELP.unitDir)
    .option('--cron-dir <dir>', DIR_HELP.cronDir)
    .option('--environment-file <file>', 'environment file with the password variables, made 0600 (default /etc/lifeboat/lifeboat[-NAME].env)')
    .option('--lock-file <file>', 'the lock that keeps runs from overlapping (default /run/lock/lifeboat[-NAME].lock)')
    .option('--metrics-file <file>', 'scheduled runs write Prometheus metrics here')
    .option('--log-file <file>', 'scheduled runs append their events here')
    .option('--no-enable', 'do not run systemctl daemon-reload and enable --now')
    .action(
      run(async (ctx, o) => {
        const [{ loadPlanFile, scheduleInstall }, { scheduleInstallPrinter }] = await Promise.all([app(), printers()]);
        const plan = await loadPlanFile(o.config);
        const r = await scheduleInstall({
          plan,
          name: o.name,
          point: o.point,
          check: o.check,
          checkSubset: o.checkSubset,
          cron: o.cron,
          print: o.print,
          unitDir: o.unitDir,
          cronDir: o.cronDir,
          envFile: o.environmentFile,
          lockFile: o.lockFile,
          metricsFile: o.metricsFile,
          logFile: o.logFile,
          program: [lifeboatLauncher()],
          nodeDir: dirname(process.execPath),
          env: ctx.io.env,
          ...(o.enable ? {} : { enable: false }),
          signal: ctx.signal,
        });
        choosePrinter(ctx, scheduleInstallPrinter)(r, Boolean(o.print));
      }),
    );

  schedule
    .command('list')
    .description('list the schedules lifeboat installed')
    .option('--unit-dir <dir>', DIR_HELP.unitDir)
    .option('--cron-dir <dir>', DIR_HELP.cronDir)
    .action(
      run(async (ctx, o) => {
        const [{ scheduleList }, { scheduleListPrinter }] = await Promise.all([app(), printers()]);
        choosePrinter(ctx, scheduleListPrinter)(await scheduleList(o));
      }),
    );

  schedule
    .command('remove')
    .description('remove a schedule (its timers are stopped first); the environment file is kept')
    .option('--name <name>', 'schedule name given at install')
    .option('--unit-dir <dir>', DIR_HELP.unitDir)
    .option('--cron-dir <dir>', DIR_HELP.cronDir)
    .action(
      run(async (ctx, o) => {
        const [{ scheduleRemove }, { scheduleRemovePrinter }] = await Promise.all([app(), printers()]);
        choosePrinter(ctx, scheduleRemovePrinter)(await scheduleRemove({ ...o, signal: ctx.signal }));
      }),
    );
};
