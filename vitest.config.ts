import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs pure table tests (core/, config) with no servers; `integration` shares one
// real Temporal dev server and one real PostgreSQL, started once per run by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/core/**/*.test.ts', 'test/unit/**/*.test.ts'],
          setupFiles: ['test/helpers/test-keys.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/core/**', 'test/unit/**'],
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/helpers/quiet-runtime.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
        },
      },
    ],
  },
});
