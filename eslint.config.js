// ESLint (flat config): typescript-eslint's recommended rules with type information over every
// TypeScript file the project compiles (tsconfig.json: src, test, bench). Run by `npm run lint`
// and by the test command (scripts/test.sh).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Build output, the native addon's build tree and dependencies are not ours to lint; the
    // benchmark scripts in plain JavaScript (bench/**/*.mjs) and the dependency-cruiser config have
    // no type information to lint with.
    ignores: ['dist/**', 'build/**', 'node_modules/**', '**/*.mjs', '**/*.cjs', 'eslint.config.js'],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    files: ['**/*.test.ts', '**/testing/**/*.ts', 'test/**/*.ts'],
    rules: {
      // node:test's test() and describe() (also called by the contract suites in testing/) return promises that the runner itself tracks and awaits;
      // awaiting or voiding each call would only add noise.
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
);
