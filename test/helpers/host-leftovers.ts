/**
 * What a test that mounts filesystems and attaches loop devices leaves on the host, found from the
 * kernel's own tables rather than from the test's bookkeeping (which a failed step may not have
 * updated), and removed: mounts under a directory, loop devices backed by files under it.
 */
import { readFileSync } from 'node:fs';
import { run } from './run.js';

/** Mount points at or under `dir`, deepest first (mountinfo escapes spaces as \040). */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((t) => t === dir || t.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Loop devices whose backing file is under `dir`. */
export async function loopsUnder(dir: string): Promise<string[]> {
  const r = await run('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE']);
  if (r.code !== 0 || !r.stdout.length) return [];
  const list = JSON.parse(r.stdout.toString()) as { loopdevices?: { name: string; 'back-file': string | null }[] };
  return (list.loopdevices ?? []).filter((l) => (l['back-file'] ?? '').replace(/ \(deleted\)$/, '').startsWith(`${dir}/`)).map((l) => l.name);
}

/** Unmounts everything under `dir` (lazily, deepest first: a bound /dev must go before its parent). */
export async function unmountUnder(dir: string): Promise<void> {
  for (const target of mountsUnder(dir)) await run('umount', ['--lazy', target]);
}

/** Unmounts everything under `dir` and detaches the loop devices of files under it; returns what is still there. */
export async function releaseUnder(dir: string): Promise<string[]> {
  await unmountUnder(dir);
  for (const loop of await loopsUnder(dir)) await run('losetup', ['--detach', loop]);
  return [...mountsUnder(dir).map((m) => `mount ${m}`), ...(await loopsUnder(dir)).map((l) => `loop device ${l}`)];
}
