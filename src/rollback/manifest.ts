/**
 * A restore point in the repository: ordinary restic snapshots that carry the point's tags, and
 * a manifest (a snapshot holding /point.json) written last, after the proof. A point without a
 * manifest is incomplete (its creation was interrupted) and is never offered for rollback.
 *
 *   every snapshot of point ID:  lifeboat-point, point:ID, lifeboat-pinned
 *   a source's snapshot:         + source:NAME          (the inventory's: source:inventory, inventory)
 *   the manifest:                + lifeboat-manifest
 *
 * `lifeboat-pinned` keeps `forget` (Lifeboat's; restic's with --keep-tag lifeboat-pinned) from
 * removing them until `point release` takes the tag off.
 */
import { z } from 'zod';
import { LifeboatError } from '../core/index.js';

export const POINT_TAG = 'lifeboat-point';
export const PINNED_TAG = 'lifeboat-pinned';
export const MANIFEST_TAG = 'lifeboat-manifest';
export const MANIFEST_FILE = 'point.json';
export const INVENTORY_SOURCE = 'inventory';

export const pointTag = (id: string): string => `point:${id}`;
export const sourceTag = (name: string): string => `source:${name}`;

/** The tags every snapshot of a point carries. */
export function pointTags(id: string): string[] {
  return [POINT_TAG, pointTag(id), PINNED_TAG];
}

export function pointIdOfTags(tags: readonly string[] | undefined): string | undefined {
  return tags?.find((t) => t.startsWith('point:'))?.slice('point:'.length);
}

export function sourceOfTags(tags: readonly string[] | undefined): string | undefined {
  return tags?.find((t) => t.startsWith('source:'))?.slice('source:'.length);
}

const check = z.strictObject({ name: z.string(), ok: z.boolean(), detail: z.string() });

const sourceRecord = z.strictObject({
  name: z.string(),
  kind: z.enum(['files', 'command', 'inventory', 'system']),
  /** A system source's layout snapshot (layout.json, layout.txt). */
  layout: z.string().optional(),
  snapshot: z.string(),
  paths: z.array(z.string()),
  files: z.number(),
  bytes: z.number(),
  dataAdded: z.number(),
  /** Files that could not be read (the backup's exit 3). */
  unreadable: z.number(),
});

export const manifestSchema = z.strictObject({
  schema: z.literal('lifeboat-point'),
  schemaVersion: z.literal(1),
  id: z.string(),
  name: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string(),
  host: z.string(),
  planFile: z.string(),
  lifeboatVersion: z.string(),
  /** The restic repository format version of the repository. */
  repositoryVersion: z.number(),
  sources: z.array(sourceRecord),
  /** Restore commands of command sources, as the plan file named them when the point was made. */
  commands: z.record(z.string(), z.strictObject({ restore: z.array(z.string()).nullable(), verify: z.array(z.string()).nullable() })),
  inventory: z
    .strictObject({
      snapshot: z.string(),
      accounts: z.number(),
      accountsPerPool: z.array(z.strictObject({ pool: z.string().nullable(), count: z.number() })),
      sources: z.array(z.strictObject({ name: z.string(), type: z.string(), status: z.string() })),
    })
    .nullable(),
  proof: z.strictObject({
    ok: z.boolean(),
    durationMs: z.number(),
    checks: z.array(check),
  }),
  warnings: z.array(z.string()),
});

export type PointManifest = z.infer<typeof manifestSchema>;
export type PointSourceRecord = z.infer<typeof sourceRecord>;
export type ProofCheck = z.infer<typeof check>;

export function encodeManifest(m: PointManifest): Buffer {
  return Buffer.from(`${JSON.stringify(m, null, 2)}\n`);
}

export function parseManifest(data: Buffer | string, where: string): PointManifest {
  let json: unknown;
  try {
    json = JSON.parse(data.toString());
  } catch (err) {
    throw new LifeboatError('E_FORMAT', `${where}: the point manifest is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const r = manifestSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new LifeboatError('E_FORMAT', `${where}: not a point manifest this version reads: ${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}

/**
 * The manifest with its snapshot IDs made current. `point release` (like `restic tag`) writes a
 * point's snapshots anew, each with `original` naming its first version, while the manifest keeps
 * the IDs of the first versions: an ID that is no longer among `current` is replaced by the ID
 * of the snapshot whose `original` it is.
 */
export function withCurrentSnapshots(m: PointManifest, current: readonly { id: string; original?: string }[]): PointManifest {
  const ids = new Set(current.map((c) => c.id));
  const byOriginal = new Map(current.flatMap((c) => (c.original ? [[c.original, c.id] as const] : [])));
  const now = (id: string): string => (ids.has(id) ? id : (byOriginal.get(id) ?? id));
  return {
    ...m,
    sources: m.sources.map((s) => ({ ...s, snapshot: now(s.snapshot), ...(s.layout ? { layout: now(s.layout) } : {}) })),
    inventory: m.inventory ? { ...m.inventory, snapshot: now(m.inventory.snapshot) } : null,
  };
}
