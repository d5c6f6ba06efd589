import { z } from 'zod';
import { parseConfig, runSubgraph } from '@osr/common';
import { createMandatesServer } from './server.js';

const env = parseConfig(
  z.object({
    /** Follow the organisations change feed every N seconds (0 = only via followOrganisationChanges). */
    MANDATES_FEED_POLL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
    /** Recompute cached aggregates whose data changed every N seconds (0 = only when asked). */
    MANDATES_ANALYTICS_REFRESH_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
    /** Keep the mandates and aanleverpunten of this many schools in memory, exact after every write (0 = off). */
    MANDATES_SCHOOL_CACHE_SCHOOLS: z.coerce.number().int().min(0).max(1_000_000).default(20_000),
    /** Keep the supplier feed's change order in memory, exact after every write (false = read per request). */
    MANDATES_FEED_CACHE: z.enum(['true', 'false']).default('true'),
  }),
);

await runSubgraph('mandates', (deps) => createMandatesServer(deps, { feedPollSeconds: env.MANDATES_FEED_POLL_SECONDS, analyticsRefreshSeconds: env.MANDATES_ANALYTICS_REFRESH_SECONDS, schoolCacheSchools: env.MANDATES_SCHOOL_CACHE_SCHOOLS, feedCache: env.MANDATES_FEED_CACHE === 'true' }));
