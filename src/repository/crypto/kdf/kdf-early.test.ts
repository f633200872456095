/**
 * A key derivation started ahead of need (startUserKeyDerivation) is used only for the same
 * password and parameters, once, and nothing starts after a key was asked for. Its own file: the
 * module state must be fresh (no other test of this process may have derived a key first).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { type KdfParams, deriveUserKey, startUserKeyDerivation, startedUserKeyDerivations } from '../index.js';

const params = (): KdfParams => ({ N: 1024, r: 8, p: 1, salt: randomBytes(64) });

test('a derivation started early is taken by the same inputs only, once; after the first request none starts', async () => {
  const a = params();
  startUserKeyDerivation('right', a);
  assert.throws(() => startUserKeyDerivation('right', { ...a, N: 3 }), /power of two/, 'parameters are checked first');
  assert.equal(startedUserKeyDerivations(), 1);
  // another password, other parameters: derived on their own, the early one stays
  const other = await deriveUserKey('wrong', a);
  const otherSalt = await deriveUserKey('right', { ...a, salt: randomBytes(64) });
  assert.equal(startedUserKeyDerivations(), 1);
  assert.notDeepEqual(other, otherSalt);
  // the same inputs take it, and get what a derivation of their own gives
  const taken = await deriveUserKey(Buffer.from('right'), a);
  assert.equal(startedUserKeyDerivations(), 0);
  assert.deepEqual(taken, await deriveUserKey('right', a));
  assert.notDeepEqual(taken, other);
  // a key was asked for: a late start would only run beside it
  startUserKeyDerivation('right', params());
  assert.equal(startedUserKeyDerivations(), 0);
});
