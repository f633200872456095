/**
 * What `schedule install` writes: per job (point, check) a systemd service and timer, or one
 * cron.d file. The password never appears in them: it comes from an EnvironmentFile (mode
 * 0600) that systemd reads — or cron's shell sources — before the command runs. Runs never
 * overlap: every job of a schedule takes the same flock(1) lock (it waits for the other).
 *
 *   lifeboat[-NAME]-point.service  Type=oneshot, ExecStart=flock LOCK node lifeboat point create -c PLAN …
 *   lifeboat[-NAME]-point.timer    OnCalendar=…, Persistent=true (a missed run happens at boot)
 */
import type { Calendar } from './calendar.js';

export const MARKER = '# Written by lifeboat schedule install; lifeboat schedule remove deletes it.';

export type JobKind = 'point' | 'check';

export interface ScheduleJob {
  kind: JobKind;
  calendar: Calendar;
  /** The lifeboat arguments after the program (point create -c PLAN …). */
  args: string[];
}

export interface ScheduleSpec {
  /** Schedule name: units are lifeboat-NAME-point.*; undefined gives lifeboat-point.*. */
  name?: string;
  planFile: string;
  jobs: ScheduleJob[];
  /** How to start lifeboat: [/path/to/bin/lifeboat] (its `#!` line finds node on `searchPath`). */
  program: string[];
  /** PATH of the runs: node's directory first. */
  searchPath: string;
  flock: string;
  lockFile: string;
  envFile: string;
  /** Directories the service must be able to write (a local repository, the metrics file's). */
  writablePaths: string[];
}

export function unitBase(name: string | undefined, kind: JobKind): string {
  return `lifeboat-${name ? `${name}-` : ''}${kind}`;
}

/** Quotes one argument for a systemd command line (ExecStart): specifiers and variables escaped. */
export function systemdQuote(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Quotes one argument for /bin/sh (cron's shell); `%` is escaped, as cron requires. */
export function shellQuote(arg: string): string {
  const quoted = /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
  return quoted.replace(/%/g, '\\%');
}

function jobArgv(spec: ScheduleSpec, job: ScheduleJob): string[] {
  return [spec.flock, '--wait', '21600', spec.lockFile, ...spec.program, ...job.args];
}

const LABEL: Record<JobKind, string> = { point: 'restore point', check: 'repository check' };

export function renderService(spec: ScheduleSpec, job: ScheduleJob): string {
  return [
    MARKER,
    '[Unit]',
    `Description=Lifeboat ${LABEL[job.kind]} (${spec.planFile})`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `Environment=${systemdQuote(`PATH=${spec.searchPath}`)}`,
    `EnvironmentFile=${systemdQuote(spec.envFile)}`,
    `ExecStart=${jobArgv(spec, job).map(systemdQuote).join(' ')}`,
    'UMask=0077',
    'Nice=10',
    `IOSchedulingClass=${job.kind === 'check' ? 'idle' : 'best-effort'}`,
    'ProtectSystem=full',
    'ProtectHome=read-only',
    ...spec.writablePaths.map((p) => `ReadWritePaths=-${systemdQuote(p)}`),
    'PrivateTmp=true',
    'NoNewPrivileges=true',
    'ProtectKernelTunables=true',
    'ProtectKernelModules=true',
    'ProtectControlGroups=true',
    'RestrictSUIDSGID=true',
    'RestrictRealtime=true',
    'LockPersonality=true',
    '',
  ].join('\n');
}

export function renderTimer(spec: ScheduleSpec, job: ScheduleJob): string {
  return [
    MARKER,
    '[Unit]',
    `Description=Lifeboat ${LABEL[job.kind]} ${job.calendar.spec} (${spec.planFile})`,
    '',
    '[Timer]',
    `OnCalendar=${job.calendar.onCalendar}`,
    'Persistent=true',
    'AccuracySec=1min',
    `Unit=${unitBase(spec.name, job.kind)}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}

/** The files to write for systemd: name → content. */
export function systemdUnits(spec: ScheduleSpec): Map<string, string> {
  const units = new Map<string, string>();
  for (const job of spec.jobs) {
    const base = unitBase(spec.name, job.kind);
    units.set(`${base}.service`, renderService(spec, job));
    units.set(`${base}.timer`, renderTimer(spec, job));
  }
  return units;
}

/** The command cron runs for a job: the environment file sourced, then the locked command. */
export function cronCommand(spec: ScheduleSpec, job: ScheduleJob): string {
  return `set -a; . ${shellQuote(spec.envFile)}; set +a; exec ${jobArgv(spec, job).map(shellQuote).join(' ')}`;
}

/** A cron.d file (with the user field: root). */
export function cronFile(spec: ScheduleSpec): string {
  return [MARKER, `# Lifeboat schedule for ${spec.planFile}`, 'SHELL=/bin/sh', `PATH=${spec.searchPath}`, ...spec.jobs.map((job) => `${job.calendar.cron} root ${cronCommand(spec, job)}`), ''].join(
    '\n',
  );
}
