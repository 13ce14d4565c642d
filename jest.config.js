/** Unit tests run by default; end-to-end tests (real builds) only with PG_BUNDLE_E2E=1. */
const e2e = process.env.PG_BUNDLE_E2E === '1';
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: e2e ? ['**/*.test.ts'] : ['<rootDir>/test/unit/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
  // a run keeps its temporary files in one directory, removed at the end (end-to-end runs too)
  globalSetup: '<rootDir>/test/support/tmp-setup.cjs',
  globalTeardown: '<rootDir>/test/support/tmp-teardown.cjs',
};
