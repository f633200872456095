/**
 * The two repository disk faults of the I/O-error cases — ENOSPC (a full disk: permanent) and EIO
 * (a failing disk: transient, retried, then given up on) — injected from the N-th save on by the
 * fault-injection decorator (`-o fault.enospc-from-save=N`, `fault.eio-from-save=N`, honoured only
 * with the test hook preloaded), and what a command must say when one stops it.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export type Errno = 'ENOSPC' | 'EIO';

interface IoFault {
  option: string;
  message: RegExp;
  hint: RegExp;
  /** EIO is retried: twice, 10 ms apart, to keep the tests fast. */
  extra: readonly string[];
}

export const IO_FAULTS: Record<Errno, IoFault> = {
  ENOSPC: { option: 'fault.enospc-from-save', message: /ENOSPC: no space left on device/, hint: /hint: free disk space.* on the repository file system/, extra: [] },
  EIO: {
    option: 'fault.eio-from-save',
    message: /EIO: i\/o error.*\(gave up after 3 attempts\)/,
    hint: /hint: the disk holding the repository reports I\/O errors/,
    extra: ['-o', 'retries=2', '-o', 'retry-delay=10ms'],
  },
};

/** The global options that make the `n`-th save and every later one fail with `errno`. */
export function faultArgs(errno: Errno, n: number): string[] {
  return ['-o', `${IO_FAULTS[errno].option}=${n}`, ...IO_FAULTS[errno].extra];
}

/**
 * Asserts what a run stopped by the fault said and left: exit 1, one message naming the error,
 * the object it was saving (one of `kinds`, e.g. `data|index`) and the hint for the error, no
 * stack trace, and no lock left in the repository. Returns the kind of object named.
 */
export function assertStoppedByFault(r: { code: number | null; stderr: string }, errno: Errno, repo: string, kinds: string, what: string): string {
  assert.equal(r.code, 1, `${what}: exit ${r.code}: ${r.stderr}`);
  const object = new RegExp(`save (${kinds})/[0-9a-f]{64} in ${repo} failed: `).exec(r.stderr);
  assert.ok(object, `${what}: the message names the object: ${r.stderr}`);
  assert.match(r.stderr, IO_FAULTS[errno].message, what);
  assert.match(r.stderr, IO_FAULTS[errno].hint, what);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: a stack trace reached the user`);
  assert.deepEqual(readdirSync(join(repo, 'locks')), [], `${what}: the failed run removed its lock`);
  return object[1]!;
}
