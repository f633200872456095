/**
 * Loading the YAML source list. Problems name the file, the line and the key:
 * `inventory.yaml:7: sources[1].url: must be ldap://HOST[:PORT] or ldaps://HOST[:PORT]`.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, parseYamlConfig, readConfigFile } from '../../platform/config/index.js';
import { PATH_KEYS, type InventoryConfig, type SourceConfig, inventoryConfigSchema } from './source-config.js';

export { ConfigError };

const HINT = 'see docs/design/inventory.md for the source list format';

/** Parses and validates YAML text; `file` names it in errors and anchors relative paths. */
export function parseInventoryConfig(text: string, file: string): InventoryConfig {
  const data = parseYamlConfig(text, file, inventoryConfigSchema, HINT);
  return { sources: resolveSourcePaths(data.sources, dirname(resolve(file))) };
}

/** Makes the file paths in sources absolute, relative to `base` (the config file's directory). */
export function resolveSourcePaths<T extends SourceConfig>(sources: T[], base: string): T[] {
  return sources.map((source) => {
    const out: Record<string, unknown> = { ...source };
    for (const k of PATH_KEYS) {
      const v = out[k];
      if (typeof v === 'string' && !isAbsolute(v)) out[k] = resolve(base, v);
    }
    return out as T;
  });
}

/** Reads and validates an inventory config file. */
export async function loadInventoryConfig(path: string): Promise<{ sources: SourceConfig[] }> {
  return parseInventoryConfig(await readConfigFile(path, 'inventory config'), path);
}
