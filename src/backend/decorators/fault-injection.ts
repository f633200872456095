/**
 * Fault injection for tests: fails chosen calls the way a flaky store does, so the layers above
 * (retry, the repository's write order) can be tested on any backend. A fault either happens
 * before the call reaches the store, or after it succeeded (the answer is lost — the save did
 * happen, and a retry must cope with finding its own file). Every save and removal that reached
 * the store is told to the write observers (write-observers.ts), with its count.
 */
import { BackendError } from '../../core/index.js';
import { type Backend, type BackendOptions, type FileInfo, type FileType, type Handle, describeHandle, loadRangeInto, type FileSource, saveFromFile } from '../index.js';
import { classifyFsError } from '../local/index.js';
import { BackendDecorator } from './backend-decorator.js';
import { notifyWrite } from './write-observers.js';

export type Operation = 'create' | 'save' | 'load' | 'stat' | 'list' | 'remove';

export interface Fault {
  /** A transient BackendError (the default) or a permanent one. */
  transient?: boolean;
  /** Fail after the inner call succeeded (a lost answer) instead of before it. */
  after?: boolean;
  /** Wait this long first (a slow store; the signal still aborts the wait). */
  delayMs?: number;
  /**
   * Fail before the call reaches the store with this file-system error, classified as the local
   * backend classifies it (ENOSPC permanent with its hint, EIO transient): a full or failing disk.
   */
  errno?: InjectedErrno;
}

/** The file-system errors a fault can stand for. */
export type InjectedErrno = 'ENOSPC' | 'EIO';

const ERRNO_TEXT: Record<InjectedErrno, { errno: number; text: string }> = {
  ENOSPC: { errno: -28, text: 'no space left on device' },
  EIO: { errno: -5, text: 'i/o error' },
};

/** Decides per call; `n` counts the calls of this operation so far (1-based). */
export type FaultPlan = (op: Operation, h: Handle | undefined, n: number) => Fault | undefined;

export class FaultInjectionBackend extends BackendDecorator implements Backend {
  private readonly counts = new Map<Operation, number>();
  /** Faults injected so far. */
  injected = 0;

  constructor(
    inner: Backend,
    private readonly plan: FaultPlan = () => undefined,
  ) {
    super(inner);
  }

  /** None: every read goes through the faults. */
  override localPath(): undefined {
    return undefined;
  }

  private async run<T>(op: Operation, h: Handle | undefined, options: BackendOptions, fn: () => Promise<T>): Promise<T> {
    const n = (this.counts.get(op) ?? 0) + 1;
    this.counts.set(op, n);
    const fault = this.plan(op, h, n);
    if (fault?.delayMs) await delay(fault.delayMs, options.signal);
    if (fault?.errno) throw this.fsError(op, h, fault.errno);
    if (fault && !fault.after && (fault.transient !== undefined || !fault.delayMs)) throw this.error(op, h, fault);
    const result = await fn();
    if (op === 'save' || op === 'remove') notifyWrite(op, n);
    if (fault?.after) throw this.error(op, h, fault);
    return result;
  }

  private error(op: Operation, h: Handle | undefined, fault: Fault): BackendError {
    this.injected++;
    return new BackendError(`${op} ${h ? describeHandle(h) : ''} in ${this.location} failed: injected fault`, { transient: fault.transient ?? true });
  }

  /** The error the local backend gives for `code` (the same message shape, family and hint). */
  private fsError(op: Operation, h: Handle | undefined, code: InjectedErrno): Error {
    this.injected++;
    const { errno, text } = ERRNO_TEXT[code];
    const syscall = op === 'save' ? 'write' : op;
    const cause = Object.assign(new Error(`${code}: ${text}, ${syscall} (injected fault)`), { code, errno, syscall });
    return classifyFsError(cause, op, `${h ? describeHandle(h) : 'repository'} in ${this.location}`);
  }

  create(options: BackendOptions = {}): Promise<void> {
    return this.run('create', undefined, options, () => this.inner.create(options));
  }
  save(h: Handle, data: Uint8Array, options: BackendOptions = {}): Promise<void> {
    return this.run('save', h, options, () => this.inner.save(h, data, options));
  }
  saveFrom(h: Handle, source: FileSource, options: BackendOptions = {}): Promise<void> {
    return this.run('save', h, options, () => saveFromFile(this.inner, h, source, options));
  }
  load(h: Handle, offset?: number, length?: number, options: BackendOptions = {}): Promise<Buffer> {
    return this.run('load', h, options, () => this.inner.load(h, offset, length, options));
  }
  /** Counted and faulted as a load. */
  loadInto(h: Handle, offset: number, target: Uint8Array, options: BackendOptions = {}): Promise<void> {
    return this.run('load', h, options, () => loadRangeInto(this.inner, h, offset, target, options));
  }
  stat(h: Handle, options: BackendOptions = {}): Promise<FileInfo> {
    return this.run('stat', h, options, () => this.inner.stat(h, options));
  }
  remove(h: Handle, options: BackendOptions = {}): Promise<void> {
    return this.run('remove', h, options, () => this.inner.remove(h, options));
  }

  /** A list fault strikes after the first entry was given, so a retry must skip what was seen. */
  async *list(type: FileType, options: BackendOptions = {}): AsyncIterable<FileInfo> {
    const n = (this.counts.get('list') ?? 0) + 1;
    this.counts.set('list', n);
    const fault = this.plan('list', undefined, n);
    if (fault?.delayMs) await delay(fault.delayMs, options.signal);
    let given = 0;
    for await (const f of this.inner.list(type, options)) {
      yield f;
      if (fault && ++given === 1) throw this.error('list', undefined, fault);
    }
    if (fault && given === 0) throw this.error('list', undefined, fault);
  }
}

/** The `-o fault.<name>=N` options (without the prefix); honoured only once allowed (write-observers.ts). */
export const FAULT_OPTION_NAMES = ['enospc-from-save', 'eio-from-save'] as const;

/**
 * The plan the `-o fault.*` options ask for: `enospc-from-save=N` / `eio-from-save=N` make the
 * N-th save and every later one (retries included) fail with ENOSPC (the disk is full) or EIO
 * (the disk fails), nothing written.
 */
export function faultPlanFromOptions(options: ReadonlyMap<string, number>): FaultPlan | undefined {
  const enospcFrom = options.get('enospc-from-save');
  const eioFrom = options.get('eio-from-save');
  if (enospcFrom === undefined && eioFrom === undefined) return undefined;
  return (op, _h, n) => {
    if (op === 'save' && enospcFrom !== undefined && n >= enospcFrom) return { errno: 'ENOSPC' };
    if (op === 'save' && eioFrom !== undefined && n >= eioFrom) return { errno: 'EIO' };
    return undefined;
  };
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
