/**
 * restic-compatible repository locks (spec 10). A non-exclusive lock conflicts only with
 * exclusive ones; an exclusive lock conflicts with every lock. Acquire: check, write our lock,
 * wait, check again (two processes racing both back off). Held locks are refreshed every five
 * minutes (new file, then the old one removed) and removed on release.
 *
 * restic probes whether a same-host lock owner is alive with SIGHUP; while a lock is held we
 * ignore SIGHUP so that probe does not kill us.
 */
import { hostname as osHostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { handle } from '../backend/index.js';
import { type Id, LockedError, NotFoundError } from '../core/index.js';
import { type LockDoc, decodeLock, encodeLock, formatGoTime, goTimeFromNs, goTimeToNs, parseGoTime } from './model/index.js';
import { safeUsername } from './keys.js';
import type { Repository } from './repository.js';

const REFRESH_MS = 5 * 60 * 1000;
const STALE_NS = 30n * 60n * 1_000_000_000n;
const RECHECK_DELAY_MS = 200;

export interface LockInfo {
  id: Id;
  lock: LockDoc;
  stale: boolean;
}

function nowTime(): string {
  return formatGoTime(goTimeFromNs(BigInt(Date.now()) * 1_000_000n));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stale after restic's rules: older than 30 minutes, or from this host with a dead process. */
export function isStale(lock: LockDoc, host = osHostname()): boolean {
  const age = BigInt(Date.now()) * 1_000_000n - goTimeToNs(parseGoTime(lock.time));
  if (age > STALE_NS) return true;
  return lock.hostname === host && !processAlive(lock.pid);
}

/** Every readable lock file (zero-length and undecodable ones are skipped, like restic 0.14). */
export async function listLocks(repo: Repository, signal?: AbortSignal): Promise<LockInfo[]> {
  const out: LockInfo[] = [];
  for await (const f of repo.backend.list('locks', { signal })) {
    if (f.size === 0) continue;
    try {
      const lock = decodeLock(await repo.loadUnpacked('locks', f.name as Id, signal));
      out.push({ id: f.name as Id, lock, stale: isStale(lock) });
    } catch (err) {
      if (err instanceof NotFoundError) continue; // removed meanwhile
      continue;
    }
  }
  return out;
}

export function describeLock(l: LockInfo): string {
  const kind = l.lock.exclusive ? 'exclusive' : 'non-exclusive';
  return `${kind} lock ${l.id.slice(0, 8)} held by PID ${l.lock.pid} on ${l.lock.hostname} by ${l.lock.username || 'unknown user'} since ${l.lock.time}${l.stale ? ' (stale)' : ''}`;
}

const ignoreHangup = (): void => {};

export class RepositoryLock {
  private timer: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    private readonly repo: Repository,
    private id: Id,
    private readonly doc: LockDoc,
  ) {}

  static async acquire(repo: Repository, options: { exclusive: boolean; signal?: AbortSignal }): Promise<RepositoryLock> {
    const conflicts = (locks: LockInfo[], own?: Id): LockInfo[] => locks.filter((l) => l.id !== own && (options.exclusive || l.lock.exclusive));
    const fail = (c: LockInfo): never => {
      throw new LockedError(`repository ${repo.location} is already locked: ${describeLock(c)}`, {
        hint: c.stale ? 'the lock is stale: remove it with `lifeboat unlock`' : 'wait for that process to finish',
      });
    };
    const before = conflicts(await listLocks(repo, options.signal));
    if (before.length) fail(before[0]!);
    const uid = process.getuid?.() ?? 0;
    const doc: LockDoc = {
      time: nowTime(),
      exclusive: options.exclusive,
      hostname: osHostname(),
      username: safeUsername(),
      pid: process.pid,
      ...(uid ? { uid, gid: process.getgid?.() ?? 0 } : {}),
    };
    const id = await repo.saveUnpacked('locks', encodeLock(doc), options.signal);
    process.on('SIGHUP', ignoreHangup);
    const lock = new RepositoryLock(repo, id, doc);
    // on an eventually consistent store, give a racing writer's lock time to show up in listings
    if (!repo.backend.strongListing) await sleep(RECHECK_DELAY_MS);
    const after = conflicts(await listLocks(repo, options.signal), id);
    if (after.length) {
      await lock.release();
      fail(after[0]!);
    }
    lock.timer = setInterval(() => void lock.refresh(), REFRESH_MS);
    lock.timer.unref();
    return lock;
  }

  get lockId(): Id {
    return this.id;
  }

  /** Writes a fresh lock file, then removes the old one. */
  async refresh(): Promise<void> {
    if (this.released) return;
    const old = this.id;
    this.id = await this.repo.saveUnpacked('locks', encodeLock({ ...this.doc, time: nowTime() }));
    await this.repo.backend.remove(handle('locks', old)).catch(() => undefined);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    process.off('SIGHUP', ignoreHangup);
    try {
      await this.repo.backend.remove(handle('locks', this.id));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
}
