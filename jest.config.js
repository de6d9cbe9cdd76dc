/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/local'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is `npm run typecheck`'s job; transpiling alone keeps the suite fast.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  moduleNameMapper: {
    // The real Node worker provides this virtual module; the local host's shim stands in for it.
    '^@azure/functions-core$': '<rootDir>/local/host/functions-core.ts',
    // The platform's workspace packages, from source: their package.json `main` names compiled output.
    '^@mds/functions-host$': '<rootDir>/local/host/index.ts',
    '^@mds/servicebus-broker$': '<rootDir>/local/servicebus/index.ts',
    '^@mds/keyvault-standin$': '<rootDir>/local/keyvault/index.ts',
    '^@mds/tenant-sim$': '<rootDir>/local/tenant-sim/index.ts',
    '^@mds/platform-kit$': '<rootDir>/local/kit/index.ts',
    '^@mds/dev$': '<rootDir>/local/dev/index.ts',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
};
