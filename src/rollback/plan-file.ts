/**
 * The plan file (`lifeboat.yaml`): what a restore point protects and how to put it back.
 *
 *   repository: /srv/lifeboat-repo            # any location; -r overrides
 *   passwordFile: /etc/lifeboat/repo.pw
 *   host: fe01                                 # snapshot host name (default: this machine)
 *   sources:
 *     - { name: config, files: [/etc] }
 *     - { name: app-data, files: [/srv/app], exclude: ['*.tmp'] }
 *     - name: appdb
 *       command: { backup: [pg_dump, -Fc, appdb], restore: [pg_restore, -d, appdb], verify: [pg_restore, --list] }
 *     - { name: server, system: { root: /, disk: /dev/sda } }   # a whole system (docs/bare-metal.md)
 *   inventory: { sources: [...] }              # the inventory source list (docs/design/inventory.md)
 *   hooks: { before: [[systemctl, stop, app]], after: ['systemctl start app'] }
 *   drill: { files: 20 }                       # files restored and compared per source by the proof
 *   notify: [...]                              # who hears about which event (notify-config.ts)
 *   checklist: sfb-2019                        # readiness gate (docs/sfb-readiness.md): sfb-2019, sfb-2015, lync-2013
 *   readiness: { exports: /srv/sfb-exports, maxAge: 7d, deployed: [archiving], provides: { user-data: [ud-pool01] } }
 *
 * Commands are argument lists run without a shell; a string is run with `/bin/sh -c`.
 * Relative paths are relative to the plan file's directory.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { patternSyntaxError } from '../engine/filter/index.js';
import { parseYamlConfig, readConfigFile } from '../platform/config/index.js';
import { type SourceConfig, resolveSourcePaths, sourceConfigSchema } from '../inventory/index.js';
import { type NotifyTarget, notifyConfigSchema, resolveNotifyPaths } from './notify-config.js';

const HINT = 'see docs/design/restore-points.md for the plan file format';

const command = z.union([z.array(z.string().min(1)).min(1, 'give the program and its arguments'), z.string().min(1)]);
const sourceName = z.string().regex(/^[A-Za-z0-9][\w.-]*$/, 'use letters, digits and . _ - (starting with a letter or digit)');

const filesSourceSchema = z.strictObject({
  name: sourceName,
  files: z.array(z.string().min(1)).min(1, 'list at least one path'),
  exclude: z
    .array(
      z
        .string()
        .min(1)
        .superRefine((p, ctx) => {
          const why = patternSyntaxError(p.trim());
          if (why !== undefined) ctx.addIssue({ code: 'custom', message: `invalid pattern ${JSON.stringify(p)}: ${why}` });
        }),
    )
    .optional(),
});

const commandSourceSchema = z.strictObject({
  name: sourceName,
  command: z.strictObject({
    /** Writes the dump to standard output. */
    backup: command,
    /** Reads the dump from standard input (rollback). */
    restore: command.optional(),
    /** Reads the dump from standard input and exits 0 when it is usable (the point's proof). */
    verify: command.optional(),
  }),
});

/** A whole system: its root and every local filesystem under it, and the machine's layout. */
const systemSourceSchema = z.strictObject({
  name: sourceName,
  system: z.strictObject({
    root: z.string().min(1).default('/'),
    /** Disks whose layout is recorded; default the disks under the backed-up filesystems. */
    disk: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  }),
  exclude: z.array(z.string().min(1)).optional(),
});

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

const readinessSchema = z.strictObject({
  /** Where exports arrive as files (Export-CsUserData zips, .bak files…). */
  exports: z.string().min(1).optional(),
  /** An export older than this is stale: 30m, 12h, 7d, 2w. */
  maxAge: z
    .string()
    .regex(/^\d+[mhdw]$/, 'a number and a unit: 30m, 12h, 7d, 2w')
    .optional(),
  /** Optional features in use: e911, response-group, persistent-chat, archiving, monitoring, pool-pairing. */
  deployed: z.array(z.enum(['e911', 'response-group', 'persistent-chat', 'archiving', 'monitoring', 'pool-pairing'])).optional(),
  /** Item ID (or ID:POOL) → plan source names or export file names that provide it, when names do not tell. */
  provides: z.record(z.string().regex(/^[a-z0-9-]+(:[\w.:-]+)?$/, 'an item ID, or ID:POOL'), z.array(z.string().min(1)).min(1)).optional(),
  /** Filled into the commands the gate suggests (SQL instance, e.g. sql01.contoso.com\\rtc). */
  sqlInstance: z.string().min(1).optional(),
});

export const DEFAULT_MAX_EXPORT_AGE = '7d';

export function durationToMs(text: string): number {
  return Number(text.slice(0, -1)) * DURATION_UNITS[text.slice(-1)]!;
}

export const planFileSchema = z.strictObject({
  repository: z.string().min(1).optional(),
  passwordFile: z.string().min(1).optional(),
  host: z.string().min(1).optional(),
  sources: z
    .array(z.union([filesSourceSchema, commandSourceSchema, systemSourceSchema]))
    .min(1, 'list at least one source')
    .refine((s) => new Set(s.map((x) => x.name)).size === s.length, 'source names must be unique')
    .refine((s) => s.every((x) => x.name !== 'inventory'), '"inventory" is reserved for the inventory'),
  inventory: z.strictObject({ sources: z.array(sourceConfigSchema).min(1, 'list at least one inventory source') }).optional(),
  hooks: z.strictObject({ before: z.array(command).optional(), after: z.array(command).optional() }).optional(),
  drill: z.strictObject({ files: z.number().int().min(1).max(100_000) }).optional(),
  notify: notifyConfigSchema.optional(),
  checklist: z.enum(['sfb-2019', 'sfb-2015', 'lync-2013']).optional(),
  readiness: readinessSchema.optional(),
});

export type CommandLine = z.infer<typeof command>;
export type FilesSource = z.infer<typeof filesSourceSchema>;
export type CommandSource = z.infer<typeof commandSourceSchema>;
export type SystemSource = { name: string; system: { root: string; disks?: string[] }; exclude?: string[] };
export type PlanSource = FilesSource | CommandSource | SystemSource;

export interface PlanFile {
  /** Absolute path of the plan file. */
  file: string;
  repository?: string;
  passwordFile?: string;
  host?: string;
  sources: PlanSource[];
  inventory?: { sources: SourceConfig[] };
  hooks: { before: CommandLine[]; after: CommandLine[] };
  /** Files restored and compared per files source by the proof's drill. */
  drillFiles: number;
  /** Notification targets (empty when the plan has no `notify:`). */
  notify: NotifyTarget[];
  /** The readiness checklist the gate applies (`lifeboat ready`, `point create`). */
  checklist?: 'sfb-2019' | 'sfb-2015' | 'lync-2013';
  readiness: PlanReadiness;
}

export interface PlanReadiness {
  /** Absolute path of the exports directory. */
  exports?: string;
  maxAgeMs: number;
  deployed: string[];
  provides: Record<string, string[]>;
  sqlInstance?: string;
}

export const DEFAULT_DRILL_FILES = 20;

export function isFilesSource(s: PlanSource): s is FilesSource {
  return 'files' in s;
}

export function isSystemSource(s: PlanSource): s is SystemSource {
  return 'system' in s;
}

/** The argument list to spawn for a command line: strings run through /bin/sh -c. */
export function commandArgv(c: CommandLine): string[] {
  return typeof c === 'string' ? ['/bin/sh', '-c', c] : c;
}

/** Parses and validates plan file text; `file` names it in errors and anchors relative paths. */
export function parsePlanFile(text: string, file: string): PlanFile {
  const data = parseYamlConfig(text, file, planFileSchema, HINT);
  const base = dirname(resolve(file));
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  return {
    file: resolve(file),
    ...(data.repository ? { repository: /^[a-z0-9]+:/.test(data.repository) && !data.repository.startsWith('local:') ? data.repository : abs(data.repository.replace(/^local:/, '')) } : {}),
    ...(data.passwordFile ? { passwordFile: abs(data.passwordFile) } : {}),
    ...(data.host ? { host: data.host } : {}),
    sources: data.sources.map((s): PlanSource => {
      if ('files' in s) return { ...s, files: s.files.map(abs) };
      if ('system' in s) {
        const disk = s.system.disk;
        return { ...s, system: { root: abs(s.system.root), ...(disk ? { disks: typeof disk === 'string' ? [disk] : disk } : {}) } };
      }
      return s;
    }),
    ...(data.inventory ? { inventory: { sources: resolveSourcePaths(data.inventory.sources, base) } } : {}),
    hooks: { before: data.hooks?.before ?? [], after: data.hooks?.after ?? [] },
    drillFiles: data.drill?.files ?? DEFAULT_DRILL_FILES,
    notify: resolveNotifyPaths(data.notify ?? [], abs),
    ...(data.checklist ? { checklist: data.checklist } : {}),
    readiness: {
      ...(data.readiness?.exports ? { exports: abs(data.readiness.exports) } : {}),
      maxAgeMs: durationToMs(data.readiness?.maxAge ?? DEFAULT_MAX_EXPORT_AGE),
      deployed: data.readiness?.deployed ?? [],
      provides: data.readiness?.provides ?? {},
      ...(data.readiness?.sqlInstance ? { sqlInstance: data.readiness.sqlInstance } : {}),
    },
  };
}

export async function loadPlanFile(path: string): Promise<PlanFile> {
  return parsePlanFile(await readConfigFile(path, 'plan file'), path);
}
