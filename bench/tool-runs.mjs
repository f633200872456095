// How the bench scripts run the tools they compare: set-up commands (`sh`), measured runs under
// GNU time (`measure`: wall, user and sys seconds and the child's peak RSS), and warming the page
// cache before a measured run (this VM drops it after about a minute idle), with nothing left dirty.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** Output a bench keeps from one command, at most (a plan's --json of a large tree). */
const MAX_OUTPUT = 256 << 20;

/**
 * `sh` and `measure` with `env` (passwords, cache directories).
 *   sh(cmd, argv, okCodes = [0])  runs a set-up command; its stdout; another exit code throws
 *   measure(argv, { okCodes = [0], stdout = false, tolerate = false })
 *                                 runs argv under /usr/bin/time; { seconds, user, sys, rssMiB }
 *                                 and, with `stdout`, the output; an exit code not in okCodes
 *                                 throws, or with `tolerate` prints a note (restic exits 1 on a
 *                                 file it skips and still does the rest)
 */
export function toolRunner(env) {
  function sh(cmd, argv, okCodes = [0]) {
    const r = spawnSync(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: MAX_OUTPUT });
    if (!okCodes.includes(r.status)) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout.toString();
  }
  function measure(argv, { okCodes = [0], stdout = false, tolerate = false } = {}) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...argv], { env, stdio: ['ignore', stdout ? 'pipe' : 'ignore', 'pipe'], maxBuffer: MAX_OUTPUT });
    const lines = r.stderr.toString().trim().split('\n');
    const [seconds, user, sys, kib] = lines.at(-1).split(' ').map(Number);
    if (!okCodes.includes(r.status)) {
      const message = `${argv.join(' ')} exited ${r.status}: ${lines.slice(-6, -1).join(' | ')}`;
      if (!tolerate) throw new Error(message);
      console.error(`note: ${message}`);
    }
    return { seconds, user, sys, rssMiB: kib / 1024, ...(stdout ? { stdout: r.stdout.toString() } : {}) };
  }
  return { sh, measure };
}

/**
 * Reads every file below `dir` once (`what: 'meta'`: only their metadata), into the page cache,
 * then writes back what earlier runs left dirty (`sync`): neither tool uses fsync, so a run would
 * otherwise pay for the writeback of the run before it (a 2 GiB restore into ext4 took 9–12 s
 * right after the other tool's restore and its removal, 6 s after a sync).
 */
export function warm(dir, what = 'data') {
  if (what === 'meta') execFileSync('du', ['-s', dir], { stdio: 'ignore' });
  else execFileSync('sh', ['-c', `tar cf - "${dir}" 2>/dev/null | cat > /dev/null`]);
  execFileSync('sync');
}

/** The repositories' password in every bench. */
export const BENCH_PASSWORD = 'bench-password';

/** The environment both tools run with: the password for each, restic's cache under `base`. */
export function benchEnv(base) {
  return { ...process.env, RESTIC_PASSWORD: BENCH_PASSWORD, LIFEBOAT_PASSWORD: BENCH_PASSWORD, RESTIC_CACHE_DIR: join(base, 'restic-cache') };
}

/** The median of `xs` (the mean of the middle two when their number is even). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The steal share of CPU time since `before` (from /proc/stat), or the counters now when `before` is omitted. */
export function steal(before) {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  if (!before) return f;
  const d = f.map((x, i) => x - before[i]);
  const total = d.reduce((a, b) => a + b, 0);
  return total > 0 ? d[7] / total : 0;
}

/** One line naming the machine, Node and restic, for the head of a bench's table. */
export function machineLine(sh) {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${sh('restic', ['version']).trim()}`;
}
