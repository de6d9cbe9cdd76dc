const { workspaceSources } = require('./test/support/workspace-sources.js');

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
    ...Object.fromEntries(Object.entries(workspaceSources()).map(([name, source]) => [`^${name}$`, source])),
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
};
