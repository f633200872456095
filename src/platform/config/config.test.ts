import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ConfigError, parseYamlConfig } from './index.js';

const schema = z.strictObject({ sources: z.array(z.unknown()) });

// found by test/faults/fuzz-inputs.test.ts: thousands of nested block sequences overflowed the
// yaml parser's stack and a RangeError reached the caller
test('YAML nested too deeply is a ConfigError naming the file, never a stack overflow', () => {
  for (const text of [`sources:\n  - ${'- '.repeat(3000)}x\n    restore: [a]\n`, `sources:\n  - ${'- '.repeat(3000)}x\n`, `sources: ${'['.repeat(200)}${']'.repeat(200)}\n`]) {
    assert.throws(
      () => parseYamlConfig(text, '/etc/lifeboat/lifeboat.yaml', schema),
      (err: unknown) => err instanceof ConfigError && err.message.startsWith('/etc/lifeboat/lifeboat.yaml'),
    );
  }
  assert.deepEqual(parseYamlConfig('sources: [[[a]]]\n', 'f.yaml', schema), { sources: [[['a']]] });
});
