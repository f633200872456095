/**
 * Polynomials over GF(2) for the chunker (spec 11.2): stored as bigint bit vectors. Setup-time
 * only (tables, irreducibility), so BigInt is fast enough.
 */
import { randomBytes } from 'node:crypto';
import { FormatError } from '../../core/index.js';

export function deg(p: bigint): number {
  return p === 0n ? -1 : p.toString(2).length - 1;
}

export function polyMod(p: bigint, d: bigint): bigint {
  const dd = deg(d);
  let r = p;
  for (let dr = deg(r); dr >= dd; dr = deg(r)) r ^= d << BigInt(dr - dd);
  return r;
}

export function polyMulMod(a: bigint, b: bigint, g: bigint): bigint {
  let result = 0n;
  let x = polyMod(a, g);
  for (let bb = b; bb > 0n; bb >>= 1n) {
    if (bb & 1n) result ^= x;
    x = polyMod(x << 1n, g);
  }
  return polyMod(result, g);
}

function gcd(a: bigint, b: bigint): bigint {
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
    if (gcd(p, x2i ^ 2n) !== 1n) return false;
  }
  return true;
}

export function parsePolynomial(hex: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) throw new FormatError(`invalid chunker polynomial ${JSON.stringify(hex)}`);
  return BigInt(`0x${hex}`);
}

export function formatPolynomial(p: bigint): string {
  return p.toString(16);
}

/** A random irreducible polynomial of degree 53, drawn as restic's init does. */
export function randomPolynomial(): bigint {
  for (let i = 0; i < 1_000_000; i++) {
    let f = randomBytes(8).readBigUInt64LE(0);
    f &= (1n << 54n) - 1n;
    f |= (1n << 53n) | 1n;
    if (isIrreducible(f)) return f;
  }
  throw new Error('no irreducible polynomial found');
}
