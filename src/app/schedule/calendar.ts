/**
 * Schedule specifications as `schedule install` takes them, turned into a systemd OnCalendar
 * expression and a cron time field:
 *
 *   hourly | daily[@HH:MM] | weekly[@DAY][@HH:MM] | monthly[@HH:MM]     DAY: mon … sun
 *   daily@02:00 → "*-*-* 02:00:00" and "0 2 * * *";  weekly → "Mon *-*-* 00:00:00" and "0 0 * * 1"
 */
import { LifeboatError } from '../../core/index.js';

export interface Calendar {
  /** The specification as given (for descriptions). */
  spec: string;
  onCalendar: string;
  cron: string;
}

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const HINT = 'use hourly, daily, daily@02:00, weekly, weekly@sun@03:30 or monthly@04:00';

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function parseCalendar(spec: string): Calendar {
  const parts = spec.trim().toLowerCase().split('@');
  const freq = parts[0];
  let day: number | undefined;
  let hour = 0;
  let minute = 0;
  let timeGiven = false;
  for (const p of parts.slice(1)) {
    const time = /^(\d{1,2}):(\d{2})$/.exec(p);
    const d = p.length >= 3 ? DAYS.findIndex((x) => x.startsWith(p)) : -1;
    if (time && !timeGiven) {
      hour = Number(time[1]);
      minute = Number(time[2]);
      timeGiven = true;
      if (hour > 23 || minute > 59) throw new LifeboatError('E_USAGE', `invalid time in schedule ${JSON.stringify(spec)}`, { hint: HINT });
    } else if (d >= 0 && freq === 'weekly' && day === undefined) {
      day = d;
    } else {
      throw new LifeboatError('E_USAGE', `invalid schedule ${JSON.stringify(spec)}: cannot read "${p}"`, { hint: HINT });
    }
  }
  const at = `${pad(hour)}:${pad(minute)}:00`;
  switch (freq) {
    case 'hourly':
      if (parts.length > 1) throw new LifeboatError('E_USAGE', `invalid schedule ${JSON.stringify(spec)}: hourly takes no time`, { hint: HINT });
      return { spec, onCalendar: '*-*-* *:00:00', cron: '0 * * * *' };
    case 'daily':
      return { spec, onCalendar: `*-*-* ${at}`, cron: `${minute} ${hour} * * *` };
    case 'weekly': {
      const dow = day ?? 1;
      const name = DAYS[dow]!;
      return { spec, onCalendar: `${name[0]!.toUpperCase()}${name.slice(1, 3)} *-*-* ${at}`, cron: `${minute} ${hour} * * ${dow}` };
    }
    case 'monthly':
      return { spec, onCalendar: `*-*-01 ${at}`, cron: `${minute} ${hour} 1 * *` };
    default:
      throw new LifeboatError('E_USAGE', `invalid schedule ${JSON.stringify(spec)}`, { hint: HINT });
  }
}
