/** Validates a document against docs/design/inventory-schema.json with ajv (an independent validator). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';

type Validator = ((doc: unknown) => boolean) & { errors?: unknown };
let validate: Validator | undefined;

export function schemaFile(projectRoot: string): string {
  return join(projectRoot, 'docs', 'design', 'inventory-schema.json');
}

/** Throws with ajv's error list when `doc` does not match the published schema. */
export function assertMatchesPublishedSchema(doc: unknown, projectRoot: string): void {
  if (!validate) {
    const schema = JSON.parse(readFileSync(schemaFile(projectRoot), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    validate = ajv.compile(schema);
  }
  if (!validate(doc)) throw new Error(`document does not match ${schemaFile(projectRoot)}: ${JSON.stringify(validate.errors).slice(0, 2000)}`);
}
