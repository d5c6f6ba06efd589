import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// One graphql instance: Node resolves `graphql` to its CommonJS build (as the Apollo packages
// do); Vite would pick the ES module build, and graphql refuses types from another instance.
const graphqlCjs = createRequire(import.meta.url).resolve('graphql');

/** The mandates end-to-end tests that run in both read models (docs/data-access.md). */
const MANDATES_DATABASE_E2E = [
  'test/e2e/mandates.test.ts',
  'test/e2e/mandate-check.test.ts',
  'test/e2e/analytics.test.ts',
  'test/e2e/school-moved.test.ts',
  'test/e2e/supplier-catalogue.test.ts',
  'test/e2e/webhooks.test.ts',
];

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlCjs }] },
  test: {
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/worker-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: the database server, subgraphs and gateway share them with the tests.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['common/test/**/*.test.ts', 'gateway/test/**/*.test.ts', 'subgraphs/*/test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/**/*.test.ts'] },
      },
      {
        // The mandates subgraph's end-to-end tests again with MANDATES_READ_MODEL=database (what
        // production on MongoDB runs): on the demo set, small enough for FerretDB's scans.
        extends: true,
        test: { name: 'e2e-database', include: MANDATES_DATABASE_E2E, env: { MANDATES_READ_MODEL: 'database' } },
      },
    ],
  },
});
