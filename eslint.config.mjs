// Lint: typescript-eslint's recommended rules plus Nx module boundaries, so the
// pure layers (domain, projections, analytics) cannot import frameworks,
// drivers or Node I/O.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

const infrastructure = [
  '@nestjs/*',
  'better-sqlite3',
  'mongodb',
  'kafkajs',
  '@eventstore/*',
  'fastify',
  '@fastify/*',
  'pino',
  'pino-*',
  'nestjs-pino',
  'class-validator',
  'class-transformer',
  'prom-client',
  'commander',
  'cli-progress',
  'fs',
  'node:*',
  'path',
  'http',
  'https',
  'net',
  'child_process',
  'worker_threads',
  'crypto',
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'data/**', 'coverage/**', '.nx/**', 'infra/.local/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:port'],
              bannedExternalImports: infrastructure,
            },
            {
              // A port and its contract suite, apart from every adapter: pure
              // projections may import it to declare their collections.
              sourceTag: 'type:port',
              onlyDependOnLibsWithTags: ['type:port'],
              bannedExternalImports: infrastructure,
            },
            {
              sourceTag: 'type:config',
              onlyDependOnLibsWithTags: ['type:config'],
            },
            {
              sourceTag: 'type:adapter',
              onlyDependOnLibsWithTags: ['type:domain', 'type:port', 'type:adapter', 'type:config'],
              bannedExternalImports: ['@nestjs/*', 'class-validator', 'class-transformer'],
            },
            {
              sourceTag: 'type:application',
              onlyDependOnLibsWithTags: ['type:domain', 'type:port', 'type:adapter', 'type:config'],
              bannedExternalImports: ['@nestjs/*', 'fastify', 'class-validator', 'class-transformer', 'better-sqlite3', 'mongodb', 'kafkajs'],
            },
            {
              sourceTag: 'type:edge',
              onlyDependOnLibsWithTags: ['type:domain', 'type:edge'],
            },
            {
              sourceTag: 'type:wiring',
              onlyDependOnLibsWithTags: ['type:domain', 'type:port', 'type:adapter', 'type:application', 'type:config'],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: ['type:domain', 'type:port', 'type:adapter', 'type:application', 'type:edge', 'type:config', 'type:wiring'],
            },
          ],
        },
      ],
    },
  },
  {
    // Node built-ins are not "external packages" to Nx, so ban them here too.
    files: ['libs/domain/src/**/*.ts', 'libs/projections/src/**/*.ts', 'libs/analytics/src/**/*.ts', 'libs/document-store/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'fs/*', 'path', 'http', 'https', 'net', 'child_process', 'worker_threads', 'crypto', 'os'], message: 'Pure layers do no I/O.' },
          ],
        },
      ],
    },
  },
  {
    // Tests read JSON bodies loosely; production code may not.
    files: ['**/*.spec.ts', '**/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
