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
    rules: {
      // Methods implementing an async interface (Backend, TreeLoader, close()) stay async without an
      // await so that a throw in them still reaches the caller as a rejection, never synchronously.
      '@typescript-eslint/require-await': 'off',
      // Abort reasons (AbortSignal.reason is any) and caught errors (unknown) are passed on as they
      // came, so the caller sees the original error; everything Lifeboat itself throws is an Error.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // `const { hash: _ignored, ...rest } = x` is how a field is left out of a copy; tsc's
      // noUnusedLocals/noUnusedParameters already report every other unused name.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.test.ts', '**/testing/**/*.ts', 'test/**/*.ts'],
    rules: {
      // node:test's test() and describe() (also called by the contract suites in testing/) return promises that the runner itself tracks and awaits;
      // awaiting or voiding each call would only add noise.
      '@typescript-eslint/no-floating-promises': 'off',
      // Tests read the JSON that the CLI and restic print (JSON.parse gives any) and check it with
      // assertions, which fail on a wrong shape; typing every such document would only repeat them.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
