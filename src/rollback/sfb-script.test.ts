import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccountMoveBack } from './account-moves.js';
import { sfbMoveScript } from './sfb-script.js';

const move = (i: number): AccountMoveBack => ({
  id: `sip:user${i}@x.com`,
  displayName: `User ${i}`,
  dn: null,
  sipAddress: `sip:user${i}@x.com`,
  fromPool: 'pool02.x.com',
  fromRaw: null,
  toPool: i === 2 ? "o'pool.x.com" : 'pool01.x.com',
  toRaw: null,
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

test("Move-CsUser script follows the vendor's order: -WhatIf for all, then the waves, then Update-CsUserData -TestMode, then for real", () => {
  const script = sfbMoveScript([1, 2, 3].map(move), { pointId: 'abcd1234', generatedBy: 'lifeboat test', waveSize: 2 });
  const code = script.split('\r\n').filter((l) => !l.startsWith('#'));
  const at = (re: RegExp): number => code.findIndex((l) => re.test(l));
  const whatIf = at(/Move-CsUser .*-WhatIf/);
  const moves = at(/Move-CsUser .*-Confirm:\$false/);
  const check = at(/Get-CsUser -Identity/);
  const testMode = at(/Update-CsUserData .*-TestMode/);
  const real = at(/Update-CsUserData (?!.*-TestMode)/);
  assert.ok(whatIf >= 0 && whatIf < moves && moves < check && check < testMode && testMode < real, code.join('\n'));
  assert.match(script, /^param\(\[string\]\$UserDataDir = "", \[switch\]\$SkipMoves\)$/m);
  assert.match(script, /"UserData-" \+ \$m\.Target \+ "\.zip"/);
  assert.match(script, /-UserFilter \$m\.User/);
  assert.match(script, /user data \(contacts, scheduled meetings\) was not restored/);
  assert.doesNotMatch(code.join('\n'), /-Force/);
});
