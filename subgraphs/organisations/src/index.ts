import { parseConfig, runSubgraph } from '@osr/common';
import { rioSyncConfig, rioSyncEnvSchema } from './rio/sync-config.js';
import { createOrganisationsServer } from './server.js';

const env = parseConfig(rioSyncEnvSchema);
if (env.RIO_SYNC_INTERVAL_MINUTES > 0 && !env.RIO_API_URL) {
  console.error('[organisations] Invalid configuration:\n  RIO_SYNC_INTERVAL_MINUTES: a schedule needs RIO_API_URL (the RIO API to sync from)');
  process.exit(1);
}

await runSubgraph('organisations', (deps) =>
  createOrganisationsServer(deps, { rioSync: rioSyncConfig(env), rioSyncIntervalMinutes: env.RIO_SYNC_INTERVAL_MINUTES }),
);
