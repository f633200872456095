/**
 * What the console's routes work with: the open repository, the plan file, where journals go,
 * the jobs, and read caches. The caches hold what use-cases returned (the list of points, parsed
 * inventory documents) keyed by the repository's snapshot IDs, so a page after any change —
 * from this console or from a CLI run elsewhere — sees it, and an unchanged repository is not
 * read again for every page.
 */
import { type InventoryDocument, type PlanFile, type PointSummary, type Repository, inventoryLoad, pointList } from '../../app/index.js';
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

export class ConsoleContext {
  readonly repo: Repository;
  readonly plan: PlanFile | undefined;
  readonly env: Env;
  readonly stateDir: string;
  readonly now: () => Date;
  private pointsKey = '';
  private points: Promise<PointSummary[]> | undefined;
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

  /** Every restore point, oldest first (pointList), cached while the snapshot IDs stay the same. */
  async pointList(signal?: AbortSignal): Promise<PointSummary[]> {
    const ids: string[] = [];
    for await (const id of this.repo.listIds('snapshots', signal)) ids.push(id);
    const key = ids.sort().join();
    if (key !== this.pointsKey || !this.points) {
      this.pointsKey = key;
      this.points = pointList(this.repo, signal);
      this.points.catch(() => {
        this.points = undefined;
      });
    }
    return this.points;
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
