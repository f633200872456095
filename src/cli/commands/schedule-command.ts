/**
 * `lifeboat schedule install|list|remove`: restore points and checks on a timer (systemd units,
 * or a cron.d file with --cron). `--print` shows what would be written and writes nothing.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTable } from '../format.js';
import { printJson, printLine } from '../io.js';
import type { Register } from '../action.js';

/** This installation's launcher (dist/src/cli/commands → bin/lifeboat). */
function lifeboatLauncher(): string {
  const bin = fileURLToPath(new URL('../../../../bin/lifeboat', import.meta.url));
  return existsSync(bin) ? bin : process.argv[1]!;
}

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
        const { loadPlanFile, scheduleInstall } = await import('../../app/index.js');
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
        for (const w of r.warnings) printLine(ctx.io.stderr, `lifeboat: warning: ${w}`);
        if (ctx.flags.json) {
          printJson(ctx.io.stdout, { message_type: 'schedule', printed: Boolean(o.print), files: r.files, env_file: r.envFile, commands: r.commands });
          return;
        }
        if (o.print) {
          for (const f of r.files) ctx.io.stdout.write(`# ${f.path}\n${f.content}\n`);
          printLine(ctx.io.stdout, `# ${r.envFile.path} (mode 0600) would hold: ${r.envFile.variables.join(', ') || 'nothing yet'}`);
          return;
        }
        for (const f of r.files) printLine(ctx.io.stdout, `wrote ${f.path}`);
        printLine(ctx.io.stdout, r.envFile.created ? `wrote ${r.envFile.path} (mode 0600): ${r.envFile.variables.join(', ') || 'no variables'}` : `kept ${r.envFile.path} (mode 0600)`);
        for (const c of r.commands) printLine(ctx.io.stdout, `ran ${c}`);
      }),
    );

  schedule
    .command('list')
    .description('list the schedules lifeboat installed')
    .option('--unit-dir <dir>', DIR_HELP.unitDir)
    .option('--cron-dir <dir>', DIR_HELP.cronDir)
    .action(
      run(async (ctx, o) => {
        const { scheduleList } = await import('../../app/index.js');
        const entries = await scheduleList(o);
        if (ctx.flags.json) return printJson(ctx.io.stdout, entries);
        printLine(
          ctx.io.stdout,
          renderTable(
            ['kind', 'name', 'schedule', 'command'],
            entries.map((e) => [e.kind, e.name, e.schedule, e.command]),
          ),
        );
        printLine(ctx.io.stdout, `${entries.length} schedules`);
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
        const { scheduleRemove } = await import('../../app/index.js');
        const r = await scheduleRemove({ ...o, signal: ctx.signal });
        if (ctx.flags.json) return printJson(ctx.io.stdout, { message_type: 'schedule_removed', removed: r.removed, commands: r.commands });
        for (const p of r.removed) printLine(ctx.io.stdout, `removed ${p}`);
        if (!r.removed.length) printLine(ctx.io.stdout, 'no such schedule');
      }),
    );
};
