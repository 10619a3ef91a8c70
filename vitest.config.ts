import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Conformance tests spawn real instrumented child processes; two cores run two files at once well.
    maxWorkers: 2,
  },
});
