/**
 * docs/cli.md lists every command and every flag of the program (with its restic equivalent),
 * and docs/restic-parity.md names every Lifeboat command: a new flag without its line fails here.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { buildProgram } from './main.js';
import { processIo } from './io.js';

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'docs')))) dir = dirname(dir);
  return dir;
}

const program = buildProgram(processIo(), new AbortController().signal, () => undefined);
const commands: [string, CommandUnknownOpts][] = [];
const walk = (c: CommandUnknownOpts, prefix: string): void => {
  for (const sub of c.commands) {
    commands.push([`${prefix}${sub.name()}`, sub]);
    walk(sub, `${prefix}${sub.name()} `);
  }
};
walk(program, '');

/** The text of docs/cli.md under `### heading` up to the next heading. */
function section(doc: string, heading: string): string | undefined {
  const start = doc.indexOf(`\n### ${heading}\n`);
  if (start < 0) return undefined;
  const end = doc.indexOf('\n#', start + heading.length + 6);
  return doc.slice(start, end < 0 ? undefined : end);
}

test('docs/cli.md: a section per command with a row per flag', () => {
  const doc = readFileSync(join(projectRoot(), 'docs', 'cli.md'), 'utf8');
  const missing: string[] = [];
  const globals = section(doc, '`global`');
  for (const o of program.options) if (!globals?.includes(`| \`${o.flags}\` |`)) missing.push(`global ${o.flags}`);
  for (const [name, cmd] of commands) {
    if (name.endsWith('help')) continue;
    const text = section(doc, `\`lifeboat ${name}\``);
    if (!text) {
      missing.push(`lifeboat ${name}`);
      continue;
    }
    assert.match(text, /restic: /, `${name}: its restic equivalent`);
    for (const o of cmd.options) if (!text.includes(`| \`${o.flags}\` |`)) missing.push(`lifeboat ${name} ${o.flags}`);
  }
  assert.deepEqual(missing, [], 'add these to docs/cli.md, "Commands and flags"');
});

test('docs/restic-parity.md names every Lifeboat command that has a restic counterpart', () => {
  const doc = readFileSync(join(projectRoot(), 'docs', 'restic-parity.md'), 'utf8');
  for (const own of ['point', 'rollback', 'inventory', 'journal', 'ready', 'serve', 'notify', 'schedule', 'system']) {
    assert.ok(doc.includes(`\`${own}\``), `restic-parity.md names Lifeboat's own command ${own}`);
  }
  // Lifeboat's own commands: no restic counterpart to list (restic-parity.md names them in its header)
  const own = /^(point|rollback|inventory|journal|ready|serve|notify|schedule|system)\b/;
  for (const [name, cmd] of commands) {
    if (own.test(name) || name === 'help' || name.endsWith(' help') || cmd.commands.length) continue;
    assert.ok(doc.includes(`\`${name}\``), `restic-parity.md lists ${name}`);
  }
});
