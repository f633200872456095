/**
 * An extension point for a program that embeds Lifeboat or preloads a module into it (the
 * fault-injection tests do, with `node --import`): observers told after each write reaches the
 * store (the N-th save, the N-th removal) or the live tree (the N-th write of `rollback apply`).
 * Production code registers none and acts on none: an observer may only watch, and whatever it
 * does (the tests' kill hook ends the process there) is its own code, outside `src/`.
 *
 * The same preloaded module may also allow the `-o fault.*` options (ENOSPC/EIO from the N-th
 * save), which are refused as unknown options otherwise.
 */

/** What was written: a save or a removal in the repository's store, or a write to the live tree. */
export type WriteKind = 'save' | 'remove' | 'live-write';

/** `n` counts the writes of this kind so far in this store (or this apply), 1-based. */
export type WriteObserver = (kind: WriteKind, n: number) => void;

/**
 * Process-wide, under a registered symbol, not per copy of this module: the CLI runs from its
 * bundle (dist/bundle) while a preloaded module imports the compiled one (dist/src), and both
 * copies must see the same observers.
 */
const REGISTRY = Symbol.for('lifeboat.write-observers');
const registry = globalThis as { [REGISTRY]?: { observers: Set<WriteObserver>; faultOptionsAllowed: boolean } };
const state = (registry[REGISTRY] ??= { observers: new Set<WriteObserver>(), faultOptionsAllowed: false });
const observers = state.observers;

/** Registers `observer` for every later write; returns the function that unregisters it. */
export function addWriteObserver(observer: WriteObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** Whether any observer is registered (backends are wrapped to count writes only then). */
export function hasWriteObservers(): boolean {
  return observers.size > 0;
}

/** Tells every observer that the `n`-th write of `kind` happened. */
export function notifyWrite(kind: WriteKind, n: number): void {
  for (const observer of observers) observer(kind, n);
}

/**
 * The live-tree write callback for `rollback apply`: counts its writes and tells the observers;
 * undefined when none is registered.
 */
export function liveWriteNotifier(): (() => void) | undefined {
  if (!hasWriteObservers()) return undefined;
  let n = 0;
  return () => notifyWrite('live-write', ++n);
}

/** Lets the `-o fault.*` options through (a preloaded test module calls it). */
export function allowFaultOptions(): void {
  state.faultOptionsAllowed = true;
}

/** Whether `-o fault.*` options are honoured in this process. */
export function areFaultOptionsAllowed(): boolean {
  return state.faultOptionsAllowed;
}
