import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseCalendar } from './calendar.js';
import { shellQuote, systemdQuote } from './units.js';

test('schedule forms: systemd accepts each OnCalendar as its own normalized form; cron fields match', async () => {
  const cases: [string, string, string][] = [
    ['hourly', '*-*-* *:00:00', '0 * * * *'],
    ['daily', '*-*-* 00:00:00', '0 0 * * *'],
    ['daily@02:00', '*-*-* 02:00:00', '0 2 * * *'],
    ['weekly', 'Mon *-*-* 00:00:00', '0 0 * * 1'],
    ['weekly@sun@03:30', 'Sun *-*-* 03:30:00', '30 3 * * 0'],
    ['Weekly@Saturday@23:05', 'Sat *-*-* 23:05:00', '5 23 * * 6'],
    ['weekly@04:00', 'Mon *-*-* 04:00:00', '0 4 * * 1'],
    ['monthly@1:15', '*-*-01 01:15:00', '15 1 1 * *'],
  ];
  for (const [spec, onCalendar, cron] of cases) {
    const c = parseCalendar(spec);
    assert.deepEqual([c.onCalendar, c.cron], [onCalendar, cron], spec);
    const { stdout } = await promisify(execFile)('systemd-analyze', ['calendar', c.onCalendar]);
    assert.match(stdout, new RegExp(`Normalized form: ${onCalendar.replace(/\*/g, '\\*')}\\n`), spec);
  }
  for (const bad of ['daily@24:00', 'daily@2', 'weekly@mo', 'daily@sun', 'hourly@02:00', 'yearly', 'weekly@sun@mon']) {
    assert.throws(
      () => parseCalendar(bad),
      (err: Error & { code?: string }) => err.code === 'E_USAGE',
      bad,
    );
  }
});

test('quoting: systemd specifiers and variables, shell quotes and cron percent signs', () => {
  assert.equal(systemdQuote('/etc/lifeboat/lifeboat.yaml'), '/etc/lifeboat/lifeboat.yaml');
  assert.equal(systemdQuote('10%'), '10%%');
  assert.equal(systemdQuote('/srv/my plans/$HOME "x".yaml'), '"/srv/my plans/$$HOME \\"x\\".yaml"');
  assert.equal(shellQuote("/srv/my plans/it's.yaml"), "'/srv/my plans/it'\\''s.yaml'");
  assert.equal(shellQuote('10%'), '10\\%');
});
