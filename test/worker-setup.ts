/**
 * Runs in every test worker before each test file: connections made by the tests (and the
 * processes they start) create the GIN indexes in the PostgreSQL behind the test database
 * when it is FerretDB over PostgreSQL (common/src/indexes.ts).
 */
import { inject } from 'vitest';
import './support/provided.js';

const postgresUrl = inject('postgresUrl');
if (postgresUrl) process.env['FERRETDB_POSTGRESQL_URL'] = postgresUrl;
else delete process.env['FERRETDB_POSTGRESQL_URL'];

// No test talks to anything outside this machine: @apollo/gateway's usage metrics (and its
// probe of cloud metadata addresses) stay off, also for the plain gateway of the parity suite.
process.env['APOLLO_TELEMETRY_DISABLED'] = 'true';

// The webhook worker polls the database in the background: off unless a test turns it on
// (test/e2e/webhooks.test.ts), so that it never adds to what other tests count or wait for.
process.env['WEBHOOK_WORKER'] ??= 'false';
