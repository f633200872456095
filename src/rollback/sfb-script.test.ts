import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountMoveBack } from './account-moves.js';
import { sfbMoveScript } from './sfb-script.js';

const move = (i: number): AccountMoveBack => ({
  id: `sip:user${i}@x.com`, displayName: `User ${i}`, dn: null, sipAddress: `sip:user${i}@x.com`,
  fromPool: 'pool02.x.com', fromRaw: null, toPool: i === 2 ? "o'pool.x.com" : 'pool01.x.com', toRaw: null,
});

test('Move-CsUser script: waves, Get-CsUser checks, quoting, never -Force', () => {
  const script = sfbMoveScript([1, 2, 3, 4, 5].map(move), { pointId: 'abcd1234', generatedBy: 'lifeboat test', waveSize: 2 });
  assert.equal((script.match(/^ {2},@\(/gm) ?? []).length, 3);
  assert.match(script, /Identity = 'sip:user1@x\.com'; Target = 'pool01\.x\.com'/);
  assert.match(script, /Target = 'o''pool\.x\.com'/);
  assert.match(script, /Move-CsUser -Identity \$m\.Identity -Target \$m\.Target -Confirm:\$false/);
  assert.match(script, /Get-CsUser -Identity \$m\.Identity/);
  assert.doesNotMatch(script.replace(/^#.*$/gm, ''), /-Force/);
  assert.match(script, /\r\n/);
});
