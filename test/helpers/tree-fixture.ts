/**
 * A generated directory tree holding every kind of entry users trust us with, and an
 * entry-by-entry comparison of two trees (content, type, mode bits, owner, times with
 * nanoseconds, xattrs, link targets, devices, hard-link structure).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  type BigIntStats,
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
  openSync,
  ftruncateSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { join } from 'node:path';
import { lgetxattr, llistxattr } from '../../src/native/index.js';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

function pseudoRandom(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let block = Buffer.from(String(seed));
  for (let off = 0; off < size; off += 32) {
    block = createHash('sha256').update(block).digest();
    block.copy(out, off, 0, Math.min(32, size - off));
  }
  return out;
}

function touchNs(path: string, stamp: string): void {
  execFileSync('touch', ['-h', '-d', stamp, path]);
}

export interface FixtureOptions {
  /** Also create device nodes, foreign owners and setuid bits (needs root). */
  root?: boolean;
  /** Size of the large multi-chunk file. */
  largeSize?: number;
}

/** Creates the tree under `dir` (which must exist). */
export function makeEveryKindTree(dir: string, options: FixtureOptions = {}): void {
  const root = options.root ?? process.getuid?.() === 0;
  const p = (...parts: string[]): string => join(dir, ...parts);
  writeFileSync(p('hello.txt'), 'hello world\n');
  writeFileSync(p('empty'), '');
  mkdirSync(p('emptydir'));
  mkdirSync(p('sub'));
  mkdirSync(p('sub', 'deeper'));
  writeFileSync(p('sub', 'deeper', 'text.csv'), 'a,b,c\n'.repeat(20000));
  writeFileSync(p('sub', 'random.bin'), pseudoRandom(300 * 1024, 1));
  writeFileSync(p('large.bin'), pseudoRandom(options.largeSize ?? 12 * 1024 * 1024, 2));
  writeFileSync(p('dup-of-large.bin'), readFileSync(p('large.bin')));
  // sparse: 4 MiB hole, 64 KiB data, 4 MiB hole
  const fd = openSync(p('sparse.img'), 'w');
  ftruncateSync(fd, 8 * 1024 * 1024 + 64 * 1024);
  writeSync(fd, pseudoRandom(64 * 1024, 3), 0, 64 * 1024, 4 * 1024 * 1024);
  closeSync(fd);
  symlinkSync('hello.txt', p('link-to-hello'));
  symlinkSync('/nonexistent/target', p('dangling-link'));
  symlinkSync('sub/deeper', p('dir-link'));
  linkSync(p('hello.txt'), p('hardlink-to-hello'));
  linkSync(p('sub', 'random.bin'), p('sub', 'deeper', 'random-hardlink'));
  execFileSync('mkfifo', [p('fifo')]);
  writeFileSync(p('we"ird\\name'), 'quotes and backslash');
  writeFileSync(p('tab\there'), 'tab');
  writeFileSync(p('new\nline'), 'newline');
  writeFileSync(p('ünïcödé €'), 'unicode');
  writeFileSync(p('<html>&amp'), 'html');
  writeFileSync(Buffer.concat([B(dir), B('/bad\xffname')]), 'latin1 byte');
  symlinkSync(B('tgt\xfe\xff'), Buffer.concat([B(dir), B('/badlink')]));
  writeFileSync(p('mode-0600'), 'private');
  chmodSync(p('mode-0600'), 0o600);
  writeFileSync(p('exec'), '#!/bin/sh\necho hi\n');
  chmodSync(p('exec'), 0o755);
  mkdirSync(p('sticky'));
  chmodSync(p('sticky'), 0o1777);
  writeFileSync(p('xattr-file'), 'with xattrs');
  execFileSync('setfattr', ['-n', 'user.lifeboat', '-v', 'hello', p('xattr-file')]);
  execFileSync('setfattr', ['-n', 'user.binary', '-v', '0x00ff10', p('xattr-file')]);
  if (root) {
    execFileSync('mknod', [p('chardev'), 'c', '1', '3']);
    execFileSync('mknod', [p('blockdev'), 'b', '7', '200']);
    writeFileSync(p('setuid'), 'suid');
    chmodSync(p('setuid'), 0o4755);
    writeFileSync(p('setgid'), 'sgid');
    chmodSync(p('setgid'), 0o2750);
    writeFileSync(p('owned'), 'someone else');
    chownSync(p('owned'), 1234, 5678);
    chmodSync(p('owned'), 0o640);
    mkdirSync(p('owned-dir'));
    chownSync(p('owned-dir'), 4321, 8765);
  }
  // times with nanoseconds, set last (children before parents)
  touchNs(p('hello.txt'), '2021-03-04 05:06:07.123456789');
  touchNs(p('sub', 'deeper', 'text.csv'), '2019-12-31 23:59:59.999999999');
  touchNs(p('link-to-hello'), '2020-02-02 02:02:02.020202020');
  touchNs(p('sub', 'deeper'), '2018-01-01 00:00:00.000000001');
  touchNs(p('sub'), '2017-07-07 07:07:07.700000000');
  touchNs(p('emptydir'), '2016-06-06 06:06:06.606060606');
  writeFileSync(p('before-1970'), 'old');
  touchNs(p('before-1970'), '1969-07-20 20:17:40.123456789');
}

export interface EntryInfo {
  type: string;
  perm: number;
  uid: number;
  gid: number;
  size: bigint;
  mtimeNs: bigint;
  sha256?: string;
  linkTarget?: string;
  rdev?: bigint;
  xattrs?: string;
  /** Index of the first path sharing this inode (hard links), for structure comparison. */
  linkGroup?: string;
}

function typeOf(st: BigIntStats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  return 'other';
}

function xattrsOf(path: Buffer): string {
  return llistxattr(path)
    .map((name) => `${name.toString('latin1')}=${lgetxattr(path, name).toString('hex')}`)
    .sort()
    .join(';');
}

/** Describes every entry below `dir`, keyed by relative path (latin1 so any byte survives). */
export function describeTree(dir: string, options: { times?: boolean; xattrs?: boolean } = {}): Map<string, EntryInfo> {
  const out = new Map<string, EntryInfo>();
  const inodes = new Map<string, string>();
  const walk = (abs: Buffer, rel: string): void => {
    for (const name of readdirSync(abs, { encoding: 'buffer' }).sort((x, y) => Buffer.compare(x, y))) {
      const path = Buffer.concat([abs, B('/'), name]);
      const relPath = rel ? `${rel}/${name.toString('latin1')}` : name.toString('latin1');
      const st = lstatSync(path, { bigint: true });
      const type = typeOf(st);
      const info: EntryInfo = {
        type,
        perm: Number(st.mode) & 0o7777,
        uid: Number(st.uid),
        gid: Number(st.gid),
        size: type === 'file' ? st.size : 0n,
        mtimeNs: options.times === false || type === 'dir' ? 0n : st.mtimeNs,
      };
      if (type === 'dir' && options.times !== false) info.mtimeNs = st.mtimeNs;
      if (type === 'symlink') {
        info.perm = 0;
        info.linkTarget = readlinkSync(path, { encoding: 'buffer' }).toString('latin1');
      }
      if (type === 'file') info.sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
      if (type === 'chardev' || type === 'blockdev') info.rdev = st.rdev;
      if (options.xattrs !== false && type !== 'symlink') info.xattrs = xattrsOf(path);
      if (type === 'file' && st.nlink > 1n) {
        const key = `${st.dev}:${st.ino}`;
        if (!inodes.has(key)) inodes.set(key, relPath);
        info.linkGroup = inodes.get(key);
      }
      out.set(relPath, info);
      if (type === 'dir') walk(path, relPath);
    }
  };
  walk(B(dir), '');
  return out;
}

/** Lists every difference between two described trees (empty = identical). */
export function diffTrees(expected: Map<string, EntryInfo>, actual: Map<string, EntryInfo>): string[] {
  const problems: string[] = [];
  for (const [path, e] of expected) {
    const a = actual.get(path);
    if (!a) {
      problems.push(`missing: ${JSON.stringify(path)}`);
      continue;
    }
    for (const k of Object.keys(e) as (keyof EntryInfo)[]) {
      if (String(e[k]) !== String(a[k])) problems.push(`${JSON.stringify(path)}: ${k} expected ${String(e[k])} got ${String(a[k])}`);
    }
  }
  for (const path of actual.keys()) if (!expected.has(path)) problems.push(`unexpected: ${JSON.stringify(path)}`);
  return problems;
}

/** Allocated blocks of a file (to check sparse restores). */
export function allocatedBytes(path: string): number {
  return Number(lstatSync(path).blocks) * 512;
}

/**
 * What a tree looks like after passing through restic 0.14, which stores a symlink target that
 * is not valid UTF-8 lossily (each invalid byte becomes U+FFFD; restic ≥ 0.16 keeps the raw bytes).
 */
export function expectedAsRestic014(expected: Map<string, EntryInfo>): Map<string, EntryInfo> {
  const out = new Map(expected);
  const bad = out.get('badlink');
  if (bad) out.set('badlink', { ...bad, linkTarget: Buffer.from('tgt\ufffd\ufffd', 'utf8').toString('latin1') });
  return out;
}
