import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs pure code and database tests in Node; `e2e` starts the real stack
// (wrangler dev + database) once and drives it with real clients.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'hono/jsx' },
  test: {
    // Keep the console output of failing tests only; the Worker logs one JSON line per request.
    silent: 'passed-only',
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'workers/**/*.test.{ts,tsx}',
            'durable-objects/**/*.test.ts',
            'common/**/*.test.ts',
            'db/**/*.test.ts',
            'ssh-bridge/**/*.test.ts',
            'runner-controller/**/*.test.ts',
            'deploy/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
          globalSetup: ['test/helpers/tracked-files-guard.ts'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/helpers/tracked-files-guard.ts', 'test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
