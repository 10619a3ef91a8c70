/** Plain ESM, no transform: run with `node --experimental-vm-modules node_modules/jest/bin/jest.js`. */
export default {
  rootDir: import.meta.dirname,
  testMatch: ['<rootDir>/*.test.mjs'],
  transform: {},
  globalSetup: '<rootDir>/global-setup.mjs',
  globalTeardown: '<rootDir>/global-teardown.mjs',
  testTimeout: 30_000,
};
