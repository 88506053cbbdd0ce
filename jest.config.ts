import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/examples'],
  testMatch: ['**/*.test.ts'],
  // Sources import with `.js` extensions so the ESM build runs in Node; map them back to `.ts` here.
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Examples import the package by name, as users do.
    '^lnc-client$': '<rootDir>/src/index.ts',
    '^lnc-client/testing$': '<rootDir>/src/testing/index.ts',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
};

export default config;
