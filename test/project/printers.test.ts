/**
 * One printer per command: a command file under src/cli/commands/ chooses its printer once
 * (`choosePrinter`, src/cli/printers/) and does not test `flags.json` itself. The only places
 * that may are listed in FLAGS_JSON_EXCEPTIONS below, each with the reason; an entry that no
 * longer matches anything fails too, so the list stays exact.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../helpers/paths.js';

interface Exception {
  /** File name under src/cli/commands/. */
  file: string;
  /** Text the line holding `flags.json` contains; absent: every such line of the file. */
  line?: string;
  why: string;
}

/** The one allow-list: add an entry only for what cannot be a printer, and say why. */
const FLAGS_JSON_EXCEPTIONS: readonly Exception[] = [
  // Named exceptions (what cannot be a printer):
];

const commandsDir = join(projectRoot, 'src', 'cli', 'commands');

function* commandFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* commandFiles(path);
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) yield path;
  }
}

test('command files test flags.json only where the allow-list names the exception', () => {
  const used = new Set<Exception>();
  const offenders: string[] = [];
  let files = 0;
  for (const path of commandFiles(commandsDir)) {
    files++;
    const file = path.slice(commandsDir.length + 1);
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        if (!text.includes('flags.json')) return;
        const allowed = FLAGS_JSON_EXCEPTIONS.find((e) => e.file === file && (e.line === undefined || text.includes(e.line)));
        if (allowed) used.add(allowed);
        else offenders.push(`src/cli/commands/${file}:${i + 1}: ${text.trim()}`);
      });
  }
  assert.ok(files > 10, `only ${files} command files found`);
  assert.deepEqual(offenders, [], 'print through a printer chosen once (choosePrinter in src/cli/printers/), or name the exception in FLAGS_JSON_EXCEPTIONS');
  const stale = FLAGS_JSON_EXCEPTIONS.filter((e) => !used.has(e)).map((e) => `${e.file}${e.line ? `: ${e.line}` : ''} (${e.why})`);
  assert.deepEqual(stale, [], 'these exceptions match nothing any more: remove them from FLAGS_JSON_EXCEPTIONS');
});
