// One Jest run over every project. Tests sit beside the code:
//   *.spec.ts      fast, pure or in-memory
//   *.int.spec.ts  real adapters (SQLite files, servers on loopback)
//   *.e2e.spec.ts  the real app over HTTP
const fs = require('node:fs');
const path = require('node:path');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swcrc.$schema;

const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['reflect-metadata'],
  moduleNameMapper: {
    '^@rapport/([a-z-]+)/testing$': '<rootDir>/libs/$1/src/testing/index.ts',
    '^@rapport/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  rootDir: __dirname,
};

module.exports = {
  // Finds out once whether Kafka and the MongoDB-compatible store answer; see the file.
  globalSetup: '<rootDir>/tools/jest/infra.global-setup.js',
  rootDir: __dirname,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$', '/node_modules/'],
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int.spec.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{apps,libs}/**/*.e2e.spec.ts'],
    },
  ],
};
