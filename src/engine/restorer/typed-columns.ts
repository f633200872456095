/**
 * Growing the typed-array columns of restore plans (one array per field instead of one object
 * per item): a full column is replaced by one of twice the length holding the same values.
 */
type Column = Uint8Array | Uint32Array | Int32Array | Float64Array;

/** A column of the same type, at least twice as long (and at least `minLength`), with `a`'s values. */
export function grow<T extends Column>(a: T, minLength = 0): T {
  const Ctor = a.constructor as new (length: number) => T;
  const b = new Ctor(Math.max(minLength, a.length * 2, 16));
  b.set(a);
  return b;
}
