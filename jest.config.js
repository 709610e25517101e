/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  maxWorkers: process.env.JEST_WORKERS || '50%',
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  verbose: false,
  // a leaked handle (a timer, a socket) must never keep CI waiting after the last test
  forceExit: true,
};
