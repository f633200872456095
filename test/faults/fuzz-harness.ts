/**
 * What every fuzz property in test/faults/fuzz-*.test.ts asserts about one input: the parser
 * returns or throws a LifeboatError (never a TypeError, RangeError, stack overflow or native
 * abort), finishes within PER_INPUT_MS, and does not grow the heap beyond PER_INPUT_HEAP_BYTES.
 * Plus the hostile values and JSON mutations the structure-aware properties draw from.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { LifeboatError } from '../../src/core/index.js';

/**
 * Time for one parse: a base plus a budget per MiB of input (the XML library reads a 2 MiB text
 * node at ≈ 1 MiB/s on a busy 2-core machine: linear, slow, not a hang; a quadratic or endless
 * parser blows through this at once).
 */
export const PER_INPUT_MS = 2000;
export const PER_INPUT_MS_PER_MIB = 4000;
const timeLimit = (inputSize: number): number => PER_INPUT_MS + (inputSize / 2 ** 20) * PER_INPUT_MS_PER_MIB;
/** Heap growth allowed for one parse (inputs are at most ~2 MB; a parser that copies is fine, one that explodes is not). */
export const PER_INPUT_HEAP_BYTES = 256 * 1024 * 1024;

/**
 * The seed of every property: fixed by default, so that the suite (and CI) runs the same inputs
 * each time and a red run is never luck; LIFEBOAT_FUZZ_SEED=random explores new inputs (a failure
 * prints the seed and path that reproduce it), LIFEBOAT_FUZZ_SEED=N replays one.
 */
const FUZZ_SEED = ((): number | undefined => {
  const v = process.env.LIFEBOAT_FUZZ_SEED;
  if (v === 'random') return undefined;
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : 20261204;
})();

/** fast-check settings for one property: bounded runs and wall time, reproducible by seed. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return { numRuns, interruptAfterTimeLimit: 8000, markInterruptAsFailure: false, ...(FUZZ_SEED !== undefined ? { seed: FUZZ_SEED } : {}) };
}

/** The verdict on one parse: it returned or threw a LifeboatError, in time and in memory. */
function judge(what: string, thrown: unknown, ms: number, grown: number, inputSize: number): void {
  if (thrown !== undefined && !(thrown instanceof LifeboatError)) {
    const e = thrown as Error;
    assert.fail(`${what.slice(0, 300)}: threw ${e?.name ?? typeof thrown} instead of a LifeboatError: ${e?.message ?? inspect(thrown)}`);
  }
  assert.ok(ms < timeLimit(inputSize), `${what.slice(0, 300)}: one input of ${inputSize} characters took ${ms.toFixed(0)} ms`);
  assert.ok(grown < PER_INPUT_HEAP_BYTES, `${what.slice(0, 300)}: one input grew the heap by ${(grown / 2 ** 20).toFixed(0)} MiB`);
}

/** Runs `parse` on `input`; fails unless it returns or throws a LifeboatError, in time and in memory. */
export function expectTypedOutcome(what: string, parse: () => unknown, inputSize = 0): void {
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  let thrown: unknown;
  try {
    parse();
  } catch (err) {
    thrown = err;
  }
  judge(what, thrown, performance.now() - started, process.memoryUsage().heapUsed - heapBefore, inputSize);
}

/** Async variant (parsers that read files). */
export async function expectTypedOutcomeAsync(what: string, parse: () => Promise<unknown>, inputSize = 0): Promise<void> {
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  let thrown: unknown;
  try {
    await parse();
  } catch (err) {
    thrown = err;
  }
  judge(what, thrown, performance.now() - started, process.memoryUsage().heapUsed - heapBefore, inputSize);
}

/** Raw JSON tokens a hostile repository or file could put where a value belongs. */
export const HOSTILE_JSON_TOKENS: readonly string[] = [
  '-1',
  '0',
  '-0',
  '1.5',
  '1e308',
  '-1e308',
  '4294967295',
  '4294967296',
  '2147483648',
  '9007199254740993',
  '18446744073709551615',
  '99999999999999999999999999999999',
  '-9223372036854775809',
  'null',
  'true',
  '""',
  '"x"',
  '"\\ud800"',
  '"\\ufffd"',
  '"\\u0000"',
  '"../../etc/passwd"',
  '[]',
  '{}',
  '[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]',
  `${'['.repeat(20000)}${']'.repeat(20000)}`,
  `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
  `"${'A'.repeat(1 << 20)}"`,
  `[${Array.from({ length: 20000 }, () => '0').join(',')}]`,
  `"${'0123456789abcdef'.repeat(4)}"`,
];

export const hostileToken = fc.constantFrom(...HOSTILE_JSON_TOKENS);

/** Every path to a value in a JSON document (object keys and array indexes). */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

const mark = (i: number): string => `\u0000lifeboat-fuzz-mark-${i}\u0000`;

type Mutation = { kind: 'replace' | 'delete' | 'add'; at: number; token: string; key: string };

/**
 * Applies mutations to a copy of the document (each at the `at`-th path, modulo the count) and
 * serialises it; hostile tokens go in as placeholders and are spliced into the text at the end,
 * so that raw tokens JSON.stringify cannot write (huge integers, deep nesting) reach the decoder.
 */
export function mutateJson(doc: unknown, mutations: readonly Mutation[]): string {
  const root: { doc: unknown } = { doc: structuredClone(doc) };
  mutations.forEach((m, i) => {
    const all = paths(root.doc);
    const path = all[m.at % all.length]!;
    if (path.length === 0) {
      if (m.kind === 'replace') root.doc = mark(i);
      return;
    }
    let parent = root.doc as Record<string | number, unknown>;
    for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else if (m.kind === 'add' && !Array.isArray(parent)) {
      Object.defineProperty(parent, m.key, { value: mark(i), enumerable: true, configurable: true, writable: true });
    } else {
      parent[last] = mark(i);
    }
  });
  let text = JSON.stringify(root.doc);
  mutations.forEach((m, i) => {
    text = text.replace(JSON.stringify(mark(i)), () => m.token);
  });
  return text;
}

/** Up to three mutations of one valid document. */
export function mutatedJson(doc: unknown): fc.Arbitrary<string> {
  const mutation = fc.record({
    kind: fc.constantFrom<Mutation['kind']>('replace', 'replace', 'replace', 'delete', 'add'),
    at: fc.nat(),
    token: hostileToken,
    key: fc.constantFrom('__proto__', 'constructor', 'nodes', 'blobs', 'length', 'x'),
  });
  return fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => mutateJson(doc, ms));
}

/** Bytes: random, random around valid text, and valid text with bytes flipped or cut. */
export function mangledBytes(valid: Buffer): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
    fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, b]) => {
      const out = Buffer.from(valid);
      const pos = at % Math.max(1, out.length);
      out.set(b.subarray(0, Math.max(0, out.length - pos)), pos);
      return out;
    }),
    fc.nat().map((n) => valid.subarray(0, n % (valid.length + 1))),
  );
}
