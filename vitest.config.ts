import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run against source, never a stale build.
    conditions: ['source'],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
