/**
 * Puts accounts back on their original home with LDAP modify operations. Each modify deletes
 * the exact value the plan saw and adds the original in one operation, which the directory
 * applies atomically: if someone changed the account since the plan was made, the delete fails
 * (noSuchAttribute) and nothing of that account is written. The current value is then read to
 * tell "already back" (an interrupted rollback running again) from a real conflict.
 */
import { Attribute, Change, type Client } from 'ldapts';
import { errorMessage } from '../core/index.js';
import { type LdapSourceConfig, connectLdap, ldapErrorMessage, sameHomeValue } from '../inventory/index.js';
import type { AccountMoveBack } from './account-moves.js';

export type RehomeOutcome = 'moved' | 'already' | 'conflict' | 'failed';

export interface RehomeResult {
  id: string;
  dn: string | null;
  outcome: RehomeOutcome;
  detail: string;
}

async function currentValue(client: Client, dn: string, attribute: string): Promise<string | null> {
  const { searchEntries } = await client.search(dn, { scope: 'base', attributes: [attribute], filter: '(objectClass=*)' });
  const entry = searchEntries[0];
  if (!entry) return null;
  const k = Object.keys(entry).find((x) => x.toLowerCase() === attribute.toLowerCase());
  const v = k ? entry[k] : undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? null : Buffer.isBuffer(first) ? first.toString() : String(first);
}

function changesFor(m: AccountMoveBack, attribute: string): Change[] {
  const out: Change[] = [];
  if (m.fromRaw !== null) out.push(new Change({ operation: 'delete', modification: new Attribute({ type: attribute, values: [m.fromRaw] }) }));
  if (m.toRaw !== null) out.push(new Change({ operation: 'add', modification: new Attribute({ type: attribute, values: [m.toRaw] }) }));
  return out;
}

export async function rehomeLdapAccounts(
  config: LdapSourceConfig,
  attribute: string,
  moves: readonly AccountMoveBack[],
  opts: { env: Readonly<Record<string, string | undefined>>; signal?: AbortSignal; onResult?: (r: RehomeResult) => void },
): Promise<RehomeResult[]> {
  // a separate writer (rollbackBindDn) keeps the inventory's own bind account read-only
  const writer = config.rollbackBindDn ? { ...config, bindDn: config.rollbackBindDn, passwordFile: config.rollbackPasswordFile, passwordEnv: config.rollbackPasswordEnv } : config;
  const client = await connectLdap(writer, opts.env, opts.signal);
  const results: RehomeResult[] = [];
  const done = (r: RehomeResult): void => {
    results.push(r);
    opts.onResult?.(r);
  };
  try {
    for (const m of moves) {
      opts.signal?.throwIfAborted();
      if (!m.dn) {
        done({ id: m.id, dn: null, outcome: 'failed', detail: 'the inventory recorded no DN for this account' });
        continue;
      }
      try {
        await client.modify(m.dn, changesFor(m, attribute));
        done({ id: m.id, dn: m.dn, outcome: 'moved', detail: `${attribute}: ${m.fromRaw ?? '(none)'} → ${m.toRaw ?? '(none)'}` });
      } catch (err) {
        let now: string | null | undefined;
        try {
          now = await currentValue(client, m.dn, attribute);
        } catch (readErr) {
          done({ id: m.id, dn: m.dn, outcome: 'failed', detail: `modify failed (${ldapErrorMessage(err)}), and reading it back failed too: ${errorMessage(readErr)}` });
          continue;
        }
        if (sameHomeValue(now, m.toRaw)) done({ id: m.id, dn: m.dn, outcome: 'already', detail: `${attribute} already ${m.toRaw ?? '(none)'}` });
        else if (!sameHomeValue(now, m.fromRaw))
          done({ id: m.id, dn: m.dn, outcome: 'conflict', detail: `${attribute} changed since the plan: expected ${m.fromRaw ?? '(none)'}, found ${now ?? '(none)'}; left as it is` });
        else done({ id: m.id, dn: m.dn, outcome: 'failed', detail: `modify refused: ${ldapErrorMessage(err)}` });
      }
    }
  } finally {
    await client.unbind().catch(() => {});
  }
  return results;
}
