/**
 * Polynomials over GF(2) for the chunker (spec 11.2): stored as bigint bit vectors. Setup-time
 * only (tables, irreducibility), so BigInt is fast enough.
 */
import { randomBytes } from 'node:crypto';
import { FormatError } from '../../core/index.js';

/** Index of the highest set bit (the degree); −1 for the zero polynomial. */
export function deg(p: bigint): number {
  return p === 0n ? -1 : p.toString(2).length - 1;
}

/** Remainder of p divided by d (long division, subtraction is XOR). */
export function polyMod(p: bigint, d: bigint): bigint {
  const dd = deg(d);
  if (dd < 0) throw new RangeError('polyMod: division by the zero polynomial');
  let r = p;
  for (let dr = deg(r); dr >= dd; dr = deg(r)) r ^= d << BigInt(dr - dd);
  return r;
}

/** a · b mod g. */
export function polyMulMod(a: bigint, b: bigint, g: bigint): bigint {
  let result = 0n;
  let x = polyMod(a, g);
  for (let bb = b; bb > 0n; bb >>= 1n) {
    if (bb & 1n) result ^= x;
    x = polyMod(x << 1n, g);
  }
  return polyMod(result, g);
}

/** Greatest common divisor of two polynomials (Euclid with `polyMod`). */
export function polyGcd(a: bigint, b: bigint): bigint {
  let x = a;
  let y = b;
  while (y !== 0n) [x, y] = [y, polyMod(x, y)];
  return x;
}

/** Ben-Or's irreducibility test. */
export function isIrreducible(p: bigint): boolean {
  const n = deg(p);
  if (n < 1) return false;
  let x2i = 2n; // x
  for (let i = 1; i <= Math.floor(n / 2); i++) {
    x2i = polyMulMod(x2i, x2i, p); // x^(2^i) mod p
    if (polyGcd(p, x2i ^ 2n) !== 1n) return false;
  }
  return true;
}

/** Parses the config's `chunker_polynomial` (hex, as Go's strconv.ParseUint(s, 16, 64) accepts it). */
export function parsePolynomial(hex: string): bigint {
  const p = /^[0-9a-fA-F]+$/.test(hex) ? BigInt(`0x${hex}`) : -1n;
  if (p < 0n || p >= 1n << 64n) throw new FormatError(`invalid chunker polynomial ${JSON.stringify(hex)}`);
  return p;
}

/** The config form: lowercase hex, no prefix, no leading zeros. */
export function formatPolynomial(p: bigint): string {
  if (p < 0n || p >= 1n << 64n) throw new RangeError(`formatPolynomial: ${p} is not a uint64`);
  return p.toString(16);
}

/** restic's DerivePolynomial: the first irreducible candidate drawn from `read8` (8 bytes each). */
export function derivePolynomial(read8: () => Uint8Array): bigint {
  for (let i = 0; i < 1_000_000; i++) {
    const b = read8();
    if (b.length !== 8) throw new RangeError(`derivePolynomial: source returned ${b.length} bytes, not 8`);
    let f = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    f &= (1n << 54n) - 1n; // bits 0..53
    f |= (1n << 53n) | 1n; // degree 53, constant term 1
    if (isIrreducible(f)) return f;
  }
  throw new Error('derivePolynomial: no irreducible polynomial found');
}

/** A random irreducible polynomial of degree 53, drawn as restic's init does (CSPRNG source). */
export function randomPolynomial(): bigint {
  return derivePolynomial(() => randomBytes(8));
}
