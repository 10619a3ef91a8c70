import { defineConfig } from 'vitest/config';

// In CI a JSON report is written beside the usual output, so .ci/run can print a plain closing count line.
const ciReport = process.env['TRACECHECK_VITEST_JSON'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Conformance tests spawn real instrumented child processes; two cores run two files at once well.
    maxWorkers: 2,
    ...(ciReport === undefined ? {} : { reporters: ['default', 'json'], outputFile: { json: ciReport } }),
  },
});
