/**
 * Use-case: the readiness gate (docs/sfb-readiness.md). `lifeboat ready` applies the plan's
 * checklist before a point exists (collecting the inventory for the pools and their accounts);
 * `point create` applies it after the point's proof, with the inventory it just collected.
 */
import { LifeboatError } from '../core/index.js';
import { type InventoryDocument, countAccountsPerPool } from '../inventory/index.js';
import { type PlanFile, type ProofCheck, type ReadinessInventory, type ReadinessReport, evaluateReadiness, loadChecklist } from '../rollback/index.js';
import { inventoryCollect } from './inventory.js';

export function readinessInventoryOf(doc: InventoryDocument): ReadinessInventory {
  return {
    pools: doc.pools.map((p) => ({ fqdn: p.fqdn, kind: p.kind, services: p.services })),
    // only pools on premises hold user data: accounts homed online (sipfed.online.lync.com) have none to export
    accountsPerPool: countAccountsPerPool(doc.accounts.filter((a) => a.homing === 'on-premises')),
    sources: doc.sources.map((s) => ({ name: s.name, type: s.type, status: s.status })),
  };
}

export interface ReadinessOptions {
  env?: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
  /** The inventory already collected (point create); else it is collected when the plan has one. */
  inventory?: ReadinessInventory | null;
  /** The point's proof checks (point create). */
  proof?: ProofCheck[];
  now?: Date;
}

/** Applies the plan's checklist; throws E_CONFIG when the plan names none. */
export async function readinessCheck(plan: PlanFile, opts: ReadinessOptions = {}): Promise<ReadinessReport> {
  if (!plan.checklist) {
    throw new LifeboatError('E_CONFIG', `${plan.file} names no checklist`, { hint: 'add `checklist: sfb-2019` (or sfb-2015, lync-2013) to the plan file; see docs/sfb-readiness.md' });
  }
  const checklist = await loadChecklist(plan.checklist);
  let inventory = opts.inventory;
  if (inventory === undefined) {
    inventory = plan.inventory ? readinessInventoryOf((await inventoryCollect({ sourceConfigs: plan.inventory.sources }, { signal: opts.signal, env: opts.env })).document) : null;
  }
  return evaluateReadiness({ checklist, plan, inventory, ...(opts.proof ? { proof: opts.proof } : {}), ...(opts.now ? { now: opts.now } : {}) });
}
