/**
 * A readiness checklist: one YAML file per product version in the project's `checklists/`
 * folder (docs/sfb-readiness.md), validated here. Each item says how its artefact is produced,
 * how the gate finds it in a plan (a command source whose command names it, a file in the exports
 * directory, a files source, an inventory source) and how it is verified.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { LifeboatError, errnoCode, packageRoot } from '../../core/index.js';
import { parseYamlConfig } from '../../platform/config/index.js';

export const CHECKLIST_NAMES = ['sfb-2019', 'sfb-2015', 'lync-2013'] as const;
export type ChecklistName = (typeof CHECKLIST_NAMES)[number];

export const VERIFY_KINDS = ['zip-configuration', 'zip-user-data', 'zip', 'non-empty', 'sql-backup', 'files-source', 'inventory', 'pkcs12'] as const;
export type VerifyKind = (typeof VERIFY_KINDS)[number];

const itemSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(1),
  /** The command (or plan entry) that produces the artefact; {pool} and {file} are filled in. */
  produce: z.string().min(1),
  /** Suggested file name in the exports directory. */
  file: z.string().min(1).optional(),
  perPool: z.boolean().optional(),
  /** Absent: always required. Else required when the plan declares `deployed` or a topology pool runs one of `services`. */
  requiredWhen: z.strictObject({ deployed: z.string().min(1), services: z.array(z.string().min(1)).optional() }).optional(),
  evidence: z.strictObject({
    /** Words a command source's backup command contains (case-insensitive). */
    commands: z.array(z.string().min(1)).optional(),
    /** Glob patterns of files in the exports directory (case-insensitive; {pool} filled in). */
    files: z.array(z.string().min(1)).optional(),
    /** Arguments that must never appear in the producing command. */
    forbidden: z.array(z.string().min(1)).optional(),
    /** Name patterns of files sources. */
    filesSource: z.array(z.string().min(1)).optional(),
    /** A pattern the files source must exclude. */
    exclude: z.string().min(1).optional(),
    inventory: z.strictObject({ type: z.string().min(1), preset: z.string().min(1).optional() }).optional(),
  }),
  verify: z.enum(VERIFY_KINDS),
  /** Said next to the command to produce the item. */
  warning: z.string().min(1).optional(),
  /** Where the requirement comes from. */
  sources: z.array(z.string().min(1)).min(1),
});

export const checklistSchema = z.strictObject({
  schema: z.literal('lifeboat-checklist'),
  name: z.enum(CHECKLIST_NAMES),
  product: z.string().min(1),
  procedure: z.string().min(1),
  items: z
    .array(itemSchema)
    .min(1)
    .refine((items) => new Set(items.map((i) => i.id)).size === items.length, 'item ids must be unique'),
});

export type Checklist = z.infer<typeof checklistSchema>;
export type ChecklistItem = z.infer<typeof itemSchema>;

/** The folder holding the checklists: `checklists/` at the package root. */
export const CHECKLIST_DIR = join(packageRoot(import.meta.url) ?? '.', 'checklists');

export function parseChecklist(text: string, file: string): Checklist {
  return parseYamlConfig(text, file, checklistSchema, 'see docs/sfb-readiness.md for the checklist format');
}

export async function loadChecklist(name: string, dir = CHECKLIST_DIR): Promise<Checklist> {
  if (!(CHECKLIST_NAMES as readonly string[]).includes(name)) {
    throw new LifeboatError('E_CONFIG', `unknown checklist ${name}`, { hint: `use one of ${CHECKLIST_NAMES.join(', ')}` });
  }
  const file = join(dir, `${name}.yaml`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new LifeboatError(errnoCode(err) === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO', `cannot read the checklist ${file}: ${(err as Error).message}`, {
      hint: 'reinstall Lifeboat: the checklists ship in its checklists/ folder',
      cause: err,
    });
  }
  const checklist = parseChecklist(text, file);
  if (checklist.name !== name) throw new LifeboatError('E_CONFIG', `${file}: names checklist ${checklist.name}, expected ${name}`);
  return checklist;
}
