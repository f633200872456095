import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendError, NotFoundError, sha256Id } from '../../core/index.js';
import { type Backend, type BackendOptions, type FileInfo, type Handle, handle } from '../index.js';
import { MemoryBackend } from '../memory/index.js';
import { runBackendContract } from '../testing/index.js';
import { FaultInjectionBackend, LimitBackend, RetryBackend, TimeoutBackend, type WriteKind, addWriteObserver, faultPlanFromOptions, liveWriteNotifier, stackDecorators } from './index.js';

const fast = { retries: 8, baseDelayMs: 1, maxDelayMs: 4 };

// the whole stack keeps the contract, also when every third call fails (before the store saw
// it, or after: a lost answer) and every seventh list breaks after its first entry. Removes are
// spared: after a transient failure a missing file counts as removed (see the test below), so
// "remove of a missing file is NotFoundError" cannot hold across a retry.
runBackendContract('memory behind retry(limit(timeout(faults)))', async () => {
  const faulty = new FaultInjectionBackend(new MemoryBackend(), (op, _h, n) => (op === 'remove' ? undefined : n % 3 === 0 ? { after: n % 2 === 0 } : op === 'list' && n % 7 === 0 ? {} : undefined));
  return { backend: stackDecorators(faulty, { connections: 3, timeoutMs: 10_000, retry: fast }), cleanup: async () => {} };
});

const h = (s: string): Handle => handle('snapshots', sha256Id(Buffer.from(s)));

test('retry: transient errors are retried with growing, jittered delays, then it gives up naming the attempts', async () => {
  const delays: number[] = [];
  const faulty = new FaultInjectionBackend(new MemoryBackend(), () => ({}));
  const b = new RetryBackend(faulty, { retries: 4, baseDelayMs: 8, maxDelayMs: 40, onRetry: (_op, _e, _a, d) => delays.push(d) });
  await assert.rejects(b.stat(h('x')), (err: unknown) => {
    assert.ok(err instanceof BackendError && err.transient, String(err));
    assert.match(err.message, /injected fault \(gave up after 5 attempts\)/);
    return true;
  });
  assert.equal(faulty.injected, 5);
  assert.equal(delays.length, 4);
  // delay k lies in [cap/2, cap] with cap = min(40, 8·2^k)
  [8, 16, 32, 40].forEach((cap, k) => assert.ok(delays[k]! >= cap / 2 && delays[k]! <= cap, `delay ${k}: ${delays[k]} for cap ${cap}`));
});

test('retry: a missing file and permanent errors are not retried', async () => {
  let calls = 0;
  const counting = new FaultInjectionBackend(new MemoryBackend(), () => {
    calls++;
    return undefined;
  });
  const b = new RetryBackend(counting, fast);
  await assert.rejects(b.load(h('missing')), NotFoundError);
  assert.equal(calls, 1);
  const permanent = new FaultInjectionBackend(new MemoryBackend(), () => ({ transient: false }));
  await assert.rejects(new RetryBackend(permanent, fast).save(h('p'), Buffer.from('p')), (err: unknown) => err instanceof BackendError && !err.transient);
  assert.equal(permanent.injected, 1);
});

test('retry: a save whose answer was lost succeeds on the next attempt (the file is there, identical)', async () => {
  const mem = new MemoryBackend();
  const b = new RetryBackend(new FaultInjectionBackend(mem, (op, _h, n) => (op === 'save' && n === 1 ? { after: true } : undefined)), fast);
  await b.save(h('lost'), Buffer.from('lost'));
  assert.equal((await mem.load(h('lost'))).toString(), 'lost');
});

test('retry: a remove whose answer was lost succeeds; a plain missing file is still NotFoundError', async () => {
  const mem = new MemoryBackend();
  await mem.save(h('r'), Buffer.from('r'));
  const b = new RetryBackend(new FaultInjectionBackend(mem, (op, _h, n) => (op === 'remove' && n === 1 ? { after: true } : undefined)), fast);
  await b.remove(h('r'));
  await assert.rejects(mem.stat(h('r')), NotFoundError);
  await assert.rejects(b.remove(h('r')), NotFoundError);
});

test('retry: an abort during the backoff wait ends the call at once', async () => {
  const b = new RetryBackend(new FaultInjectionBackend(new MemoryBackend(), () => ({})), { retries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 });
  const ac = new AbortController();
  const started = Date.now();
  setTimeout(() => ac.abort(new Error('stop')), 50);
  await assert.rejects(b.stat(h('x'), { signal: ac.signal }), /stop/);
  assert.ok(Date.now() - started < 5000);
});

/** A backend whose calls take `ms` and that records how many run at once. */
class Slow extends MemoryBackend {
  inFlight = 0;
  peak = 0;
  constructor(private readonly ms: number) {
    super();
  }
  override async stat(handle: Handle, options?: BackendOptions): Promise<FileInfo> {
    this.peak = Math.max(this.peak, ++this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, this.ms));
      return await super.stat(handle, options);
    } finally {
      this.inFlight--;
    }
  }
}

test('limit: at most N calls in flight; the decorated backend reports N connections', async () => {
  const slow = new Slow(20);
  await slow.save(h('a'), Buffer.from('a'));
  const b: Backend = new LimitBackend(slow, 3);
  assert.equal(b.connections, 3);
  await Promise.all(Array.from({ length: 20 }, () => b.stat(h('a'))));
  assert.equal(slow.peak, 3);
});

test('limit: loading while listing with one connection does not deadlock', async () => {
  const mem = new MemoryBackend();
  for (let i = 0; i < 5; i++) await mem.save(h(`f${i}`), Buffer.from(`f${i}`));
  const b = new LimitBackend(mem, 1);
  let loaded = 0;
  for await (const f of b.list('snapshots')) {
    await b.load(handle('snapshots', f.name));
    loaded++;
  }
  assert.equal(loaded, 5);
});

test('timeout: a stalled call fails as transient after the deadline; retry then gets through', async () => {
  const mem = new MemoryBackend();
  await mem.save(h('t'), Buffer.from('t'));
  const stalling = new FaultInjectionBackend(mem, (_op, _h, n) => (n <= 2 ? { delayMs: 60_000 } : undefined));
  const started = Date.now();
  await assert.rejects(new TimeoutBackend(stalling, 50).stat(h('t')), (err: unknown) => {
    assert.ok(err instanceof BackendError && err.transient, String(err));
    assert.match(err.message, /stat snapshots\/[0-9a-f]{64} in memory:\d+ timed out after 50ms/);
    return true;
  });
  assert.ok(Date.now() - started < 5000);
  const stacked = stackDecorators(stalling, { timeoutMs: 50, retry: fast });
  assert.equal((await stacked.stat(h('t'))).size, 1);
});

test('fault.enospc-from-save=N: the N-th save and every later one fail as a full disk does, permanent, nothing stored', async () => {
  const mem = new MemoryBackend();
  const b = stackDecorators(new FaultInjectionBackend(mem, faultPlanFromOptions(new Map([['enospc-from-save', 2]]))), { retry: fast });
  await b.save(h('first'), Buffer.from('1'));
  for (const name of ['second', 'third']) {
    await assert.rejects(b.save(h(name), Buffer.from('2')), (err: unknown) => {
      assert.ok(err instanceof BackendError && !err.transient);
      assert.match(err.message, new RegExp(`^save snapshots/${h(name).name} in .* failed: ENOSPC: no space left on device`));
      assert.match(err.hint ?? '', /free disk space/);
      return true;
    });
  }
  const stored: string[] = [];
  for await (const f of mem.list('snapshots')) stored.push(f.name);
  assert.deepEqual(stored, [h('first').name]);
});

test('fault.eio-from-save=N: EIO is transient, retried, and still failing it gives up naming the object and the disk', async () => {
  const faulty = new FaultInjectionBackend(new MemoryBackend(), faultPlanFromOptions(new Map([['eio-from-save', 1]])));
  const b = stackDecorators(faulty, { retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 } });
  await assert.rejects(b.save(h('x'), Buffer.from('x')), (err: unknown) => {
    assert.ok(err instanceof BackendError);
    assert.match(err.message, new RegExp(`^save snapshots/${h('x').name} in .* failed: EIO: i/o error.*\\(gave up after 3 attempts\\)$`));
    assert.match(err.hint ?? '', /I\/O errors/);
    return true;
  });
  assert.equal(faulty.injected, 3);
  assert.equal(faultPlanFromOptions(new Map()), undefined);
});

test('write observers are told each save and removal that reached the store, with its count; none once unregistered', async () => {
  const seen: string[] = [];
  const observe = (kind: WriteKind, n: number): void => void seen.push(`${kind} ${n}`);
  assert.equal(liveWriteNotifier(), undefined, 'no observer: rollback apply gets no callback');
  const stop = addWriteObserver(observe);
  try {
    // a stack built while an observer is registered counts writes even without a fault plan
    const mem = new MemoryBackend();
    const b = stackDecorators(mem, { retry: fast });
    await b.save(h('a'), Buffer.from('a'));
    await b.save(h('b'), Buffer.from('b'));
    await b.remove(h('a'));
    await b.load(h('b'));
    assert.deepEqual(seen, ['save 1', 'save 2', 'remove 1']);

    // a save that failed before reaching the store is counted but not told; its retry is
    seen.length = 0;
    const faulty = stackDecorators(new FaultInjectionBackend(new MemoryBackend(), (op, _h, n) => (op === 'save' && n === 1 ? {} : undefined)), { retry: fast });
    await faulty.save(h('c'), Buffer.from('c'));
    assert.deepEqual(seen, ['save 2']);

    seen.length = 0;
    const live = liveWriteNotifier()!;
    live();
    live();
    assert.deepEqual(seen, ['live-write 1', 'live-write 2']);
  } finally {
    stop();
  }
  seen.length = 0;
  await stackDecorators(new MemoryBackend(), { retry: fast }).save(h('d'), Buffer.from('d'));
  assert.deepEqual(seen, []);
  assert.equal(liveWriteNotifier(), undefined);
});
