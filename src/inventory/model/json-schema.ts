/**
 * The JSON Schema (draft 2020-12) of the inventory document, derived from the zod schema so the
 * two cannot drift. docs/design/inventory-schema.json holds its output; a test checks that the
 * file is current and validates real documents against it with an independent validator (ajv).
 */
import { z } from 'zod';
import { INVENTORY_SCHEMA_VERSION } from './document.js';
import { inventoryDocumentSchema } from './validate.js';

export function inventoryJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(inventoryDocumentSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: `https://lifeboat.invalid/schemas/inventory-v${INVENTORY_SCHEMA_VERSION}.json`,
    title: `Lifeboat inventory document, schema version ${INVENTORY_SCHEMA_VERSION}`,
    description: 'Written by `lifeboat inventory collect`; described in docs/design/inventory.md. Never contains password hashes or secrets.',
    ...rest,
  };
}
