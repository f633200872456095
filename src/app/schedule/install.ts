/**
 * Use-cases: install, list and remove the schedules of a plan file (systemd timers or cron.d).
 * Nothing is printed here; the CLI shows what was written. Files are written 0644 (units and
 * cron files hold no secret) and the environment file 0600.
 */
import { access, chmod, constants, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { LifeboatError, errnoCode, errorMessage } from '../../core/index.js';
import { runCommand } from '../../platform/exec/index.js';
import { writeFileAtomic } from '../../platform/fs/index.js';
import type { PlanFile } from '../../rollback/index.js';
import { subsetSelector } from '../check.js';
import { parseCalendar } from './calendar.js';
import { MARKER, type ScheduleJob, type ScheduleSpec, cronFile, systemdUnits, unitBase } from './units.js';

type Env = Readonly<Record<string, string | undefined>>;

export const SYSTEM_UNIT_DIR = '/etc/systemd/system';
export const CRON_DIR = '/etc/cron.d';

/** Variables copied into a new environment file when the installer's environment has them. */
const ENV_VARIABLES = [
  'LIFEBOAT_PASSWORD',
  'LIFEBOAT_PASSWORD_FILE',
  'LIFEBOAT_PASSWORD_COMMAND',
  'LIFEBOAT_REPOSITORY',
  'RESTIC_PASSWORD',
  'RESTIC_PASSWORD_FILE',
  'RESTIC_PASSWORD_COMMAND',
  'RESTIC_REPOSITORY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_PROFILE',
  'LIFEBOAT_CACERT',
  'RESTIC_CACERT',
  'LIFEBOAT_BACKEND_OPTIONS',
  'RCLONE_CONFIG',
];

export interface ScheduleInstallRequest {
  plan: PlanFile;
  name?: string;
  /** Calendar specifications (calendar.ts); at least one. */
  point?: string;
  check?: string;
  /** `check --read-data-subset` for the scheduled check. */
  checkSubset?: string;
  cron?: boolean;
  /** Compute the files without writing anything. */
  print?: boolean;
  unitDir?: string;
  cronDir?: string;
  envFile?: string;
  lockFile?: string;
  metricsFile?: string;
  logFile?: string;
  /** How to start lifeboat: [/path/to/bin/lifeboat]. */
  program: string[];
  /** The directory of the node binary the runs use (put first on their PATH). */
  nodeDir: string;
  env: Env;
  /** Run systemctl daemon-reload and enable --now (default: when unitDir is /etc/systemd/system). */
  enable?: boolean;
  signal?: AbortSignal;
}

export interface ScheduleInstallResult {
  files: { path: string; content: string }[];
  envFile: { path: string; created: boolean; variables: string[] };
  /** systemctl commands run. */
  commands: string[];
  warnings: string[];
}

function checkName(name: string | undefined): void {
  if (name !== undefined && !/^[a-z0-9][a-z0-9_-]{0,40}$/.test(name)) {
    throw new LifeboatError('E_USAGE', `invalid schedule name ${JSON.stringify(name)}`, { hint: 'use lower-case letters, digits, - and _ (it becomes part of the unit names)' });
  }
}

async function findProgram(name: string, env: Env): Promise<string> {
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir || '.', name);
    try {
      await access(candidate, constants.X_OK);
      return resolve(candidate);
    } catch {
      // not in this directory
    }
  }
  throw new LifeboatError('E_NOT_FOUND', `${name} was not found on PATH: it keeps scheduled runs from overlapping`, { hint: 'install util-linux (apt-get install util-linux)' });
}

function envValue(key: string, value: string): string {
  if (/['\n\r\0]/.test(value)) {
    throw new LifeboatError('E_USAGE', `${key} holds a quote or a line break, which an environment file cannot carry for both systemd and cron`, {
      hint: 'put the password in a file and set LIFEBOAT_PASSWORD_FILE instead',
    });
  }
  return `${key}='${value}'`;
}

function scheduleSpec(req: ScheduleInstallRequest, flock: string): ScheduleSpec {
  const planFile = req.plan.file;
  const suffix = req.name ? `-${req.name}` : '';
  const envFile = resolve(req.envFile ?? `/etc/lifeboat/lifeboat${suffix}.env`);
  const lockFile = resolve(req.lockFile ?? `/run/lock/lifeboat${suffix}.lock`);
  const extra = [...(req.metricsFile ? ['--metrics-file', resolve(req.metricsFile)] : []), ...(req.logFile ? ['--log-file', resolve(req.logFile)] : [])];
  const jobs: ScheduleJob[] = [];
  if (req.point) jobs.push({ kind: 'point', calendar: parseCalendar(req.point), args: ['point', 'create', '-c', planFile, ...extra] });
  if (req.check) {
    if (req.checkSubset) subsetSelector(req.checkSubset);
    jobs.push({ kind: 'check', calendar: parseCalendar(req.check), args: ['check', '-c', planFile, ...(req.checkSubset ? ['--read-data-subset', req.checkSubset] : []), ...extra] });
  }
  if (!jobs.length) throw new LifeboatError('E_USAGE', 'nothing to schedule', { hint: 'give --point SCHEDULE and/or --check SCHEDULE (daily@02:00, weekly, …)' });
  const repo = req.plan.repository;
  const writablePaths = [
    ...(repo && isAbsolute(repo) ? [repo] : []),
    dirname(lockFile),
    ...(req.metricsFile ? [dirname(resolve(req.metricsFile))] : []),
    ...(req.logFile ? [dirname(resolve(req.logFile))] : []),
  ];
  const searchPath = [...new Set([req.nodeDir, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])].join(':');
  return { name: req.name, planFile, jobs, program: req.program, searchPath, flock, lockFile, envFile, writablePaths: [...new Set(writablePaths)] };
}

export async function scheduleInstall(req: ScheduleInstallRequest): Promise<ScheduleInstallResult> {
  checkName(req.name);
  const spec = scheduleSpec(req, await findProgram('flock', req.env));
  const unitDir = resolve(req.unitDir ?? SYSTEM_UNIT_DIR);
  const files = req.cron
    ? [{ path: join(resolve(req.cronDir ?? CRON_DIR), `lifeboat${req.name ? `-${req.name}` : ''}`), content: cronFile(spec) }]
    : [...systemdUnits(spec)].map(([name, content]) => ({ path: join(unitDir, name), content }));
  const variables = ENV_VARIABLES.filter((k) => req.env[k]);
  const warnings: string[] = [];
  if (!req.plan.passwordFile && !variables.some((k) => /PASSWORD/.test(k))) {
    warnings.push(`the plan file has no passwordFile and no LIFEBOAT_PASSWORD* variable is set: put one in ${spec.envFile} (mode 0600) before the first run`);
  }
  const result: ScheduleInstallResult = { files, envFile: { path: spec.envFile, created: false, variables }, commands: [], warnings };
  if (req.print) return result;

  const envLines = variables.map((k) => envValue(k, req.env[k]!));
  try {
    await stat(spec.envFile);
    await chmod(spec.envFile, 0o600);
    result.envFile.variables = [];
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw new LifeboatError('E_IO', `cannot use the environment file ${spec.envFile}: ${errorMessage(err)}`, { cause: err });
    await mkdir(dirname(spec.envFile), { recursive: true, mode: 0o700 });
    await writeFileAtomic(spec.envFile, [`# Environment of the Lifeboat schedule for ${spec.planFile} (secrets: keep this file 0600)`, ...envLines, ''].join('\n'), { exclusive: true });
    result.envFile.created = true;
  }
  for (const f of files) {
    await mkdir(dirname(f.path), { recursive: true });
    await writeFileAtomic(f.path, f.content, { mode: 0o644 });
  }
  if (!req.cron && (req.enable ?? unitDir === SYSTEM_UNIT_DIR)) {
    const timers = files.filter((f) => f.path.endsWith('.timer')).map((f) => f.path.slice(unitDir.length + 1));
    await systemctl(['daemon-reload'], result.commands, req.signal);
    await systemctl(['enable', '--now', ...timers], result.commands, req.signal);
  }
  return result;
}

async function systemctl(args: string[], log: string[], signal?: AbortSignal): Promise<void> {
  log.push(`systemctl ${args.join(' ')}`);
  const r = await runCommand('systemctl', args, { timeoutMs: 60_000, signal });
  if (r.code !== 0)
    throw new LifeboatError('E_COMMAND_FAILED', `systemctl ${args.join(' ')} exited with ${r.code ?? r.signal}: ${r.stderr.trim()}`, {
      hint: 'the unit files were written; run the command by hand once systemd is running',
    });
}

export interface ScheduleEntry {
  kind: 'systemd' | 'cron';
  /** Timer unit name or cron file path. */
  name: string;
  schedule: string;
  command: string;
}

async function markedFiles(dir: string, prefix: string, suffix: string): Promise<{ path: string; text: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw new LifeboatError('E_IO', `cannot list ${dir}: ${errorMessage(err)}`, { cause: err });
  }
  const out: { path: string; text: string }[] = [];
  for (const n of names.sort()) {
    if (!n.startsWith(prefix) || !n.endsWith(suffix)) continue;
    const text = await readFile(join(dir, n), 'utf8').catch(() => '');
    if (text.startsWith(MARKER)) out.push({ path: join(dir, n), text });
  }
  return out;
}

const field = (text: string, key: string): string => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1] ?? '';

/** Every schedule Lifeboat installed in the unit directory and the cron directory. */
export async function scheduleList(opts: { unitDir?: string; cronDir?: string } = {}): Promise<ScheduleEntry[]> {
  const unitDir = resolve(opts.unitDir ?? SYSTEM_UNIT_DIR);
  const entries: ScheduleEntry[] = [];
  for (const timer of await markedFiles(unitDir, 'lifeboat-', '.timer')) {
    const service = await readFile(join(unitDir, field(timer.text, 'Unit')), 'utf8').catch(() => '');
    entries.push({ kind: 'systemd', name: timer.path.slice(unitDir.length + 1), schedule: field(timer.text, 'OnCalendar'), command: field(service, 'ExecStart') });
  }
  for (const cron of await markedFiles(resolve(opts.cronDir ?? CRON_DIR), 'lifeboat', '')) {
    for (const line of cron.text.split('\n')) {
      const m = /^(\S+ \S+ \S+ \S+ \S+) root (.*)$/.exec(line);
      if (m) entries.push({ kind: 'cron', name: cron.path, schedule: m[1]!, command: m[2]! });
    }
  }
  return entries;
}

/** Removes the units (stopping their timers when systemd manages the directory) and the cron file of a schedule. */
export async function scheduleRemove(opts: { name?: string; unitDir?: string; cronDir?: string; signal?: AbortSignal }): Promise<{ removed: string[]; commands: string[] }> {
  checkName(opts.name);
  const unitDir = resolve(opts.unitDir ?? SYSTEM_UNIT_DIR);
  const units = (['point', 'check'] as const).flatMap((k) => [`${unitBase(opts.name, k)}.timer`, `${unitBase(opts.name, k)}.service`]);
  const present = (await markedFiles(unitDir, 'lifeboat-', '')).filter((f) => units.includes(f.path.slice(unitDir.length + 1)));
  const commands: string[] = [];
  const timers = present.filter((f) => f.path.endsWith('.timer')).map((f) => f.path.slice(unitDir.length + 1));
  if (timers.length && unitDir === SYSTEM_UNIT_DIR) await systemctl(['disable', '--now', ...timers], commands, opts.signal);
  const cron = (await markedFiles(resolve(opts.cronDir ?? CRON_DIR), 'lifeboat', '')).filter((f) => f.path === join(resolve(opts.cronDir ?? CRON_DIR), `lifeboat${opts.name ? `-${opts.name}` : ''}`));
  const removed = [...present, ...cron].map((f) => f.path);
  for (const p of removed) await rm(p, { force: true });
  if (present.length && unitDir === SYSTEM_UNIT_DIR) await systemctl(['daemon-reload'], commands, opts.signal);
  return { removed, commands };
}
