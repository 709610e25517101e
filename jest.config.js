/** ESM-only packages: openid-client and its dependencies, otplib's, and the test's OpenID Connect provider */
const ESM_ONLY = ['openid-client', 'oauth4webapi', 'jose', 'oidc-provider', '@scure/base', '@noble/hashes'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // ESM-only packages (Node 20 loads them with require(esm); jest before Node 24.9 needs them compiled)
    [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: [
      '@swc/jest',
      { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`^(?!.*/node_modules/(${ESM_ONLY.join('|')})/).*/node_modules/`],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  maxWorkers: process.env.JEST_WORKERS || '50%',
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  verbose: false,
  // a leaked handle (a timer, a socket) must never keep CI waiting after the last test
  forceExit: true,
};
