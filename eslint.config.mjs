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
  '@opentelemetry/*',
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

/** Nx module boundaries; `applicationDependsOn` differs between the application's code and its tests. */
const moduleBoundaries = (applicationDependsOn) => ({
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
      // projections may import it to declare their collections. A port
      // speaks the domain's language (the event log's events are domain
      // events), so it may import the domain, never an adapter.
      sourceTag: 'type:port',
      onlyDependOnLibsWithTags: ['type:domain', 'type:port'],
      bannedExternalImports: infrastructure,
    },
    {
      sourceTag: 'type:config',
      onlyDependOnLibsWithTags: ['type:config'],
    },
    {
      // Tracing (docs/observability.md): the OpenTelemetry API and trace-context
      // helpers every layer but the pure ones may call, and the SDK the apps start.
      sourceTag: 'type:observability',
      onlyDependOnLibsWithTags: ['type:observability', 'type:config'],
    },
    {
      sourceTag: 'type:adapter',
      onlyDependOnLibsWithTags: ['type:domain', 'type:port', 'type:adapter', 'type:config', 'type:observability'],
      bannedExternalImports: ['@nestjs/*', 'class-validator', 'class-transformer'],
    },
    {
      // Ports only: the application never loads a driver (no-drivers.spec.ts
      // proves it at run time); its integration tests wire real adapters.
      sourceTag: 'type:application',
      onlyDependOnLibsWithTags: applicationDependsOn,
      bannedExternalImports: ['@nestjs/*', 'fastify', 'class-validator', 'class-transformer', 'better-sqlite3', 'mongodb', 'kafkajs', '@eventstore/*', '@opentelemetry/sdk-*', '@opentelemetry/exporter-*'],
    },
    {
      sourceTag: 'type:edge',
      onlyDependOnLibsWithTags: ['type:domain', 'type:edge'],
    },
    {
      sourceTag: 'type:wiring',
      onlyDependOnLibsWithTags: ['type:domain', 'type:port', 'type:adapter', 'type:application', 'type:config', 'type:observability'],
    },
    {
      sourceTag: 'type:app',
      onlyDependOnLibsWithTags: ['type:domain', 'type:port', 'type:adapter', 'type:application', 'type:edge', 'type:config', 'type:wiring', 'type:observability'],
    },
  ],
});

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'data/**', 'coverage/**', '.nx/**', 'infra/.local/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': ['error', moduleBoundaries(['type:domain', 'type:port', 'type:config', 'type:observability'])],
    },
  },
  {
    // Node built-ins are not "external packages" to Nx, so ban them here too.
    files: ['libs/domain/src/**/*.ts', 'libs/projections/src/**/*.ts', 'libs/analytics/src/**/*.ts', 'libs/playbooks/src/**/*.ts', 'libs/document-store/src/**/*.ts'],
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
    // The event-store port computes the SPEC 7 hash chain and seals personal
    // data (AES-GCM) with node:crypto, pure computation; any other built-in
    // (files, network, processes) belongs in an adapter library.
    files: ['libs/event-store/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '!node:crypto', 'fs', 'fs/*', 'path', 'http', 'https', 'net', 'child_process', 'worker_threads', 'os'],
              message: 'The event-store port does no I/O: node:crypto only; files, network and processes belong in an adapter library.',
            },
          ],
        },
      ],
    },
  },
  {
    // The application's integration tests run it on real adapters.
    files: ['libs/application/src/**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', moduleBoundaries(['type:domain', 'type:port', 'type:adapter', 'type:config', 'type:observability'])] },
  },
  {
    // Tests read JSON bodies loosely; production code may not.
    files: ['**/*.spec.ts', '**/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
