/** Go os.FileMode (what restic stores in `mode`) ↔ Linux st_mode (spec 8.6). */

export const MODE_DIR = 0x80000000;
export const MODE_SYMLINK = 1 << 27;
export const MODE_DEVICE = 1 << 26;
export const MODE_NAMED_PIPE = 1 << 25;
export const MODE_SOCKET = 1 << 24;
export const MODE_SETUID = 1 << 23;
export const MODE_SETGID = 1 << 22;
export const MODE_CHAR_DEVICE = 1 << 21;
export const MODE_STICKY = 1 << 20;

export function fileModeFromStat(stMode: number): number {
  let mode = stMode & 0o777;
  switch (stMode & 0o170000) {
    case 0o040000:
      mode |= MODE_DIR;
      break;
    case 0o120000:
      mode |= MODE_SYMLINK;
      break;
    case 0o060000:
      mode |= MODE_DEVICE;
      break;
    case 0o020000:
      mode |= MODE_DEVICE | MODE_CHAR_DEVICE;
      break;
    case 0o010000:
      mode |= MODE_NAMED_PIPE;
      break;
    case 0o140000:
      mode |= MODE_SOCKET;
      break;
  }
  if (stMode & 0o4000) mode |= MODE_SETUID;
  if (stMode & 0o2000) mode |= MODE_SETGID;
  if (stMode & 0o1000) mode |= MODE_STICKY;
  return mode >>> 0;
}

/** Permission and setuid/setgid/sticky bits for chmod. */
export function permFromFileMode(mode: number): number {
  return (mode & 0o777) | (mode & MODE_SETUID ? 0o4000 : 0) | (mode & MODE_SETGID ? 0o2000 : 0) | (mode & MODE_STICKY ? 0o1000 : 0);
}

const TYPE_CHARS = 'dalTLDpSugct?';

/** Go's FileMode.String(), e.g. 'drwxr-xr-x', '-rw-r--r--', 'Dcrw-r--r--'. */
export function fileModeString(mode: number): string {
  let s = '';
  for (let i = 0; i < TYPE_CHARS.length; i++) if ((mode >>> (31 - i)) & 1) s += TYPE_CHARS[i];
  if (!s) s = '-';
  const rwx = 'rwxrwxrwx';
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? rwx[i] : '-';
  return s;
}

const LS_TYPE_CHARS: Readonly<Record<string, string>> = { dir: 'd', symlink: 'L', fifo: 'p', chardev: 'c', dev: 'D', socket: 'S' };

/**
 * restic's `ls -l` mode column for a node of `type` with `mode` (os.FileMode): a type character,
 * then rwx triplets where setuid/setgid/sticky show as s/S and t/T, e.g. '-rwsr-xr-x', 'drwxrwxrwt'.
 */
export function lsModeString(type: string, mode: number): string {
  const perm = permFromFileMode(mode);
  const rwx = 'rwxrwxrwx';
  let s = '';
  for (let i = 0; i < 9; i++) s += perm & (1 << (8 - i)) ? rwx[i] : '-';
  if (perm & 0o4000) s = `${s.slice(0, 2)}${perm & 0o100 ? 's' : 'S'}${s.slice(3)}`;
  if (perm & 0o2000) s = `${s.slice(0, 5)}${perm & 0o010 ? 's' : 'S'}${s.slice(6)}`;
  if (perm & 0o1000) s = `${s.slice(0, 8)}${perm & 0o001 ? 't' : 'T'}`;
  return (LS_TYPE_CHARS[type] ?? '-') + s;
}
