/**
 * The scheme registry: one factory per location kind, so the composition root opens any
 * location with `openBackend(text)` and new backends plug in with `registerScheme` instead of a
 * switch. The local backend is built in; schemes without a factory fail with E_UNSUPPORTED.
 */
import { LifeboatError } from '../../core/index.js';
import type { Backend, BackendOptions } from '../index.js';
import { LocalBackend } from '../local/index.js';
import { type Location, type LocationOf, type Scheme, describeLocation, parseLocation } from './location.js';

/** Builds a backend for a parsed location; must not touch the repository beyond connecting. */
export type BackendFactory<S extends Scheme = Scheme> = (location: LocationOf<S>, options: BackendOptions) => Backend | Promise<Backend>;

/** Stored untyped: the map's key guarantees a factory only ever sees its own scheme's variant. */
type AnyFactory = (location: Location, options: BackendOptions) => Backend | Promise<Backend>;
const factories = new Map<Scheme, AnyFactory>();

/**
 * Makes `openBackend` use `factory` for `scheme`, replacing any earlier one. Returns a function
 * that puts the previous factory (or none) back, for tests.
 */
export function registerScheme<S extends Scheme>(scheme: S, factory: BackendFactory<S>): () => void {
  const previous = factories.get(scheme);
  factories.set(scheme, factory as unknown as AnyFactory);
  return () => {
    if (previous) factories.set(scheme, previous);
    else factories.delete(scheme);
  };
}

/** Schemes that have a factory now. */
export function registeredSchemes(): Scheme[] {
  return [...factories.keys()].sort();
}

/** Opens the backend for a location string (or an already parsed location). */
export async function openBackend(location: string | Location, options: BackendOptions = {}): Promise<Backend> {
  options.signal?.throwIfAborted();
  const loc = typeof location === 'string' ? parseLocation(location) : location;
  const factory = factories.get(loc.scheme);
  if (!factory) {
    throw new LifeboatError('E_UNSUPPORTED', `${describeLocation(loc)}: ${loc.scheme} repositories are not supported yet`, {
      hint: 'use a local directory (a path or local:/path); `restic copy` can move snapshots between repositories',
    });
  }
  return factory(loc, options);
}

registerScheme('local', (loc) => new LocalBackend(loc.path));
