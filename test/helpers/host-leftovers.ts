/**
 * What a test that mounts filesystems and attaches loop devices leaves on the host, found from the
 * kernel's own tables rather than from the test's bookkeeping (which a failed step may not have
 * updated), and removed: mounts under a directory, loop devices backed by files under it.
 */
import { readFileSync } from 'node:fs';
import { run } from './run.js';

const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** The mount table: each mount point with its source device (mountinfo escapes spaces as \040). */
function mountTable(): { target: string; source: string }[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(' - '))
    .map((l) => ({ target: unescape(l.split(' ')[4] ?? ''), source: unescape(l.split(' - ')[1]!.split(' ')[1] ?? '') }));
}

/** Mount points at or under `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  return mountTable()
    .map((m) => m.target)
    .filter((t) => t === dir || t.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Mount points of `loop` or its partitions, wherever they are (a killed `system restore` mounts under its own directory), deepest first. */
function mountsOf(loop: string): string[] {
  return mountTable()
    .filter((m) => m.source === loop || new RegExp(`^${loop}p\\d+$`).test(m.source))
    .map((m) => m.target)
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

/**
 * Unmounts everything under `dir` and every filesystem of the loop devices of files under it, and
 * detaches those loop devices; returns what is still there.
 */
export async function releaseUnder(dir: string): Promise<string[]> {
  const loops = await loopsUnder(dir);
  for (const loop of loops) for (const target of mountsOf(loop)) await run('umount', ['--lazy', target]);
  await unmountUnder(dir);
  for (const loop of loops) await run('losetup', ['--detach', loop]);
  return [...mountsUnder(dir).map((m) => `mount ${m}`), ...(await loopsUnder(dir)).map((l) => `loop device ${l}`)];
}
