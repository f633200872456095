/**
 * Preloaded into a CLI run by the fault-injection tests (`node --import` this file, see
 * `lifeboat(…, { faultHook })` in run.ts): it allows the `-o fault.*` options and registers a
 * write observer that kills the process with SIGKILL — a crash no handler sees — right after the
 * N-th write of a kind, N read from this hook's own variables:
 * - KILL_AFTER_SAVE=N: the N-th save that reached the repository's store;
 * - KILL_AFTER_REMOVE=N: the N-th removal from the store;
 * - KILL_AFTER_LIVE_WRITE=N: the N-th write of `rollback apply` to the live tree (a blob written
 *   into a temporary file, a file renamed into place, an entry created or removed).
 * Production code holds no kill and reads none of these variables.
 */
import { type WriteKind, addWriteObserver, allowFaultOptions } from '../../src/backend/decorators/index.js';

/** The hook's variables, by the kind of write they count. */
export const KILL_VARS: Record<WriteKind, string> = {
  save: 'KILL_AFTER_SAVE',
  remove: 'KILL_AFTER_REMOVE',
  'live-write': 'KILL_AFTER_LIVE_WRITE',
};

function wanted(name: string): number | undefined {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

allowFaultOptions();
const at = new Map(Object.entries(KILL_VARS).map(([kind, name]) => [kind, wanted(name)]));
if ([...at.values()].some((n) => n !== undefined)) {
  addWriteObserver((kind, n) => {
    if (at.get(kind) === n) process.kill(process.pid, 'SIGKILL');
  });
}
