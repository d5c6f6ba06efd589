import { z } from 'zod';
import { parseConfig, runSubgraph } from '@osr/common';
import { createMandatesServer } from './server.js';

const env = parseConfig(
  z.object({
    /** Follow the organisations change feed every N seconds (0 = only via followOrganisationChanges). */
    MANDATES_FEED_POLL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    /** Recompute cached aggregates whose data changed every N seconds (0 = only when asked). */
    MANDATES_ANALYTICS_REFRESH_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
    /** Where reads are answered: memory (the embedded database's read model) or database; default by the server (FerretDB: memory). */
    MANDATES_READ_MODEL: z.enum(['memory', 'database']).optional(),
    /** With memory: keep the mandates and aanleverpunten of at most this many schools. */
    MANDATES_SCHOOL_CACHE_SCHOOLS: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
  }),
);

await runSubgraph('mandates', (deps) => createMandatesServer(deps, { feedPollSeconds: env.MANDATES_FEED_POLL_SECONDS, analyticsRefreshSeconds: env.MANDATES_ANALYTICS_REFRESH_SECONDS, readModel: env.MANDATES_READ_MODEL, schoolCacheSchools: env.MANDATES_SCHOOL_CACHE_SCHOOLS }));
