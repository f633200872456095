/** Validates notification bodies against the JSON schemas published in docs/design/ (with ajv). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!readdirHas(dir)) dir = dirname(dir);
  return dir;
}

function readdirHas(dir: string): boolean {
  try {
    readFileSync(join(dir, 'tsconfig.json'));
    return true;
  } catch {
    if (dirname(dir) === dir) throw new Error('no project root');
    return false;
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** Throws with ajv's errors when `value` does not match docs/design/<file>. */
export function assertMatchesSchema(file: 'events.schema.json' | 'notify-teams.schema.json' | 'notify-slack.schema.json', value: unknown): void {
  let validate = compiled.get(file);
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(join(projectRoot(), 'docs', 'design', file), 'utf8')) as object);
    compiled.set(file, validate);
  }
  if (!validate(value)) throw new Error(`does not match ${file}: ${JSON.stringify(validate.errors).slice(0, 2000)}`);
}
