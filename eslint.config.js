import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/out/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.mjs', '**/*.js', 'apps/**/*.ts', 'bench/**', '**/*.test.ts', '**/test/**', 'e2e/**'], languageOptions: { globals: globals.node } },
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [{ group: ['@coverwatch/*/src/*', '@coverwatch/*/dist/*'], message: 'Import packages through their exports map.' }] }],
    },
  },
  {
    // core is pure: no Node APIs, no process.env, no I/O (tests may use them).
    files: ['packages/core/src/**/*.ts'],
    ignores: ['packages/core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'fs', 'path', 'zlib', 'crypto', 'child_process', '@coverwatch/*'], message: 'packages/core is pure: no Node APIs and no dependencies of ours.' }] }],
      'no-restricted-globals': ['error', { name: 'process', message: 'core never reads process.env; take options.' }, { name: 'Buffer', message: 'use Uint8Array in core' }],
      'no-console': 'error',
    },
  },
  {
    // The uploader reads its environment only through env/environment.ts (an allowlist): a CI job's
    // environment holds its secrets. apps/cli/test/upload/env-boundary.test.ts checks the bundle too.
    files: ['apps/cli/src/**/*.ts'],
    ignores: ['apps/cli/src/env/environment.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read the environment through env/environment.ts (allowlisted names only).' }],
    },
  },
  {
    files: ['packages/protocol/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@coverwatch/*'], message: 'protocol depends on nothing of ours.' }] }],
    },
  },
);
