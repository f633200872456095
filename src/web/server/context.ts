/**
 * What the console's routes work with: the open repository, the plan file, where journals go,
 * the jobs, and read caches. The caches hold what use-cases returned (the list of points, parsed
 * inventory documents) keyed by the repository's snapshot IDs, so a page after any change —
 * from this console or from a CLI run elsewhere — sees it, and an unchanged repository is not
 * read again for every page.
 */
import {
  type InventoryDocument,
  type PlanFile,
  type PointManifest,
  type PointSummary,
  type Repository,
  type SnapshotEntry,
  inventoryLoad,
  listSnapshots,
  pickPoint,
  pointList,
  unreadableSnapshotWarning,
} from '../../app/index.js';
import type { JobRunner } from './jobs.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface ConsoleOptions {
  repo: Repository;
  /** The plan file: needed to create points and to plan or apply a rollback. */
  plan?: PlanFile;
  env: Env;
  /** Where rollback journals and scripts are kept (as `rollback apply --state-dir`). */
  stateDir: string;
  token: string;
  /** Served over TLS: the session cookie is Secure and origins are https. */
  secure?: boolean;
  now?: () => Date;
}

/** The readable snapshots, oldest first, and a warning for each snapshot file that cannot be read. */
export interface SnapshotList {
  entries: SnapshotEntry[];
  unreadable: string[];
}

export class ConsoleContext {
  readonly repo: Repository;
  readonly plan: PlanFile | undefined;
  readonly env: Env;
  readonly stateDir: string;
  readonly now: () => Date;
  private pointsKey = '';
  private points: Promise<PointSummary[]> | undefined;
  private snapshotsKey = '';
  private snapshots: Promise<SnapshotList> | undefined;
  private readonly documents = new Map<string, Promise<InventoryDocument>>();

  constructor(
    opts: ConsoleOptions,
    readonly jobs: JobRunner,
  ) {
    this.repo = opts.repo;
    this.plan = opts.plan;
    this.env = opts.env;
    this.stateDir = opts.stateDir;
    this.now = opts.now ?? (() => new Date());
  }

  /** `-c FILE` for the CLI commands shown, when there is a plan file. */
  get planArg(): string {
    return this.plan ? ` -c ${this.plan.file}` : '';
  }

  /** The repository's snapshot IDs, sorted and joined: the caches' key. */
  private async snapshotIds(signal?: AbortSignal): Promise<string> {
    const ids: string[] = [];
    for await (const id of this.repo.listIds('snapshots', signal)) ids.push(id);
    return ids.sort().join();
  }

  /** Every restore point, oldest first (pointList), cached while the snapshot IDs stay the same. */
  async pointList(signal?: AbortSignal): Promise<PointSummary[]> {
    const key = await this.snapshotIds(signal);
    if (key !== this.pointsKey || !this.points) {
      this.pointsKey = key;
      const loading = pointList(this.repo, signal);
      this.points = loading;
      loading.catch(() => {
        if (this.points === loading) this.points = undefined;
      });
    }
    return this.points;
  }

  /** pointFind over the cached list. */
  async pointFind(ref: string, signal?: AbortSignal): Promise<PointSummary & { manifest: PointManifest }> {
    return pickPoint(await this.pointList(signal), ref);
  }

  /** Every readable snapshot, oldest first (listSnapshots), cached while the snapshot IDs stay the same. */
  async snapshotList(signal?: AbortSignal): Promise<SnapshotList> {
    const key = await this.snapshotIds(signal);
    if (key !== this.snapshotsKey || !this.snapshots) {
      this.snapshotsKey = key;
      const unreadable: string[] = [];
      const loading = listSnapshots(this.repo, {}, { signal, onError: (id, err) => unreadable.push(unreadableSnapshotWarning(id, err)) }).then((entries) => ({ entries, unreadable }));
      this.snapshots = loading;
      loading.catch(() => {
        if (this.snapshots === loading) this.snapshots = undefined;
      });
    }
    return this.snapshots;
  }

  /** Reads the newest point's inventory in the background, so its first page is quick. */
  warmUp(): void {
    this.pointList()
      .then((points) => {
        const snapshot = points.filter((p) => p.manifest?.inventory).at(-1)?.manifest?.inventory?.snapshot;
        return snapshot ? this.inventory(snapshot) : undefined;
      })
      .catch(() => {}); // a page that needs it reports the error
  }

  /** The inventory document stored in a snapshot (the last few are kept parsed). */
  async inventory(snapshotId: string, signal?: AbortSignal): Promise<InventoryDocument> {
    let doc = this.documents.get(snapshotId);
    if (!doc) {
      doc = inventoryLoad(this.repo, snapshotId, signal).then((r) => r.document);
      doc.catch(() => this.documents.delete(snapshotId));
      this.documents.set(snapshotId, doc);
      while (this.documents.size > 3) this.documents.delete(this.documents.keys().next().value!);
    }
    return doc;
  }
}
