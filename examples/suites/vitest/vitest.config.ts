import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string): string => fileURLToPath(new URL(`../../../src/${file}`, import.meta.url));

export default defineConfig({
  // In an installed project these aliases are not needed: 'tracecheck/vitest' resolves to the package.
  resolve: { alias: { 'tracecheck/vitest': src('vitest.ts') } },
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['*.test.ts'],
    globalSetup: ['./global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
