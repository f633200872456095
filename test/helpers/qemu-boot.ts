/**
 * Boots a raw disk image under QEMU and returns its serial console once the machine powered off.
 * KVM is tried first; where it cannot start (no /dev/kvm, or nested virtualisation that never
 * gets the kernel going) QEMU's software emulation (TCG) is used, and the failure is remembered
 * so that the next boot in the same process goes straight to TCG.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const running = new Set<ChildProcess>();
let kvmFailed = !existsSync('/dev/kvm');

/** How long KVM gets to reach the marker: a guest that KVM really runs gets there in seconds. */
const KVM_LIMIT_MS = 45_000;

export interface Boot {
  console: string;
  accel: 'kvm' | 'tcg';
  ms: number;
}

/** Boots `file` until it powers off after printing `expect`, or throws after `timeoutMs` with the console's tail. */
export async function bootImage(file: string, expect: RegExp, timeoutMs: number): Promise<Boot> {
  const failures: string[] = [];
  for (const accel of kvmFailed ? (['tcg'] as const) : (['kvm', 'tcg'] as const)) {
    const limit = accel === 'kvm' ? Math.min(KVM_LIMIT_MS, timeoutMs) : timeoutMs;
    const started = Date.now();
    const out = await qemu(file, accel, limit);
    if (out.poweredOff && expect.test(out.console)) return { console: out.console, accel, ms: Date.now() - started };
    if (accel === 'kvm') kvmFailed = true;
    failures.push(`${accel}: ${out.poweredOff ? `powered off without ${expect}` : out.timedOut ? `no power-off within ${limit / 1000} s` : `qemu exited ${out.code}`}\n${out.console.slice(-3000)}`);
  }
  throw new Error(`the image did not boot to its marker:\n${failures.join('\n')}`);
}

/** Stops every QEMU this process started that is still running (for a test's after hook); returns how many. */
export function killQemus(): number {
  const n = running.size;
  for (const child of running) child.kill('SIGTERM');
  return n;
}

/** QEMUs this process started that have not exited yet. */
export function runningQemus(): number {
  return running.size;
}

function qemu(file: string, accel: 'kvm' | 'tcg', timeoutMs: number): Promise<{ console: string; poweredOff: boolean; timedOut: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    // under timeout(1): a test process killed by the runner's per-file limit runs no after hook,
    // and its QEMU must not boot on for ever; timeout(1) also passes a SIGTERM on to QEMU
    const seconds = Math.ceil(timeoutMs / 1000);
    const child = spawn(
      'timeout',
      [
        '--kill-after=10',
        String(seconds),
        'qemu-system-x86_64',
        // no network card: no option ROM to probe, nothing for the guest to wait for
        ...['-accel', accel, '-m', '512', '-smp', '1', '-nographic', '-monitor', 'none', '-serial', 'stdio', '-no-reboot', '-nic', 'none', '-drive', `file=${file},format=raw,if=virtio`],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', (err) => {
      running.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      // 124: timeout(1) stopped QEMU at the limit; 137: it had to kill it
      const timedOut = code === 124 || code === 137;
      resolve({ console: Buffer.concat(chunks).toString('utf8'), poweredOff: code === 0, timedOut, code: code ?? (signal ? -1 : null) });
    });
  });
}
