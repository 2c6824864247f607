// jest configuration for the CommonJS suite in ./jest (run by limiter-runners.test.ts, against the built package).
/* global module, __dirname */
module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/jest/**/*.spec.cjs'],
  testEnvironment: 'node',
  transform: {},
};
