/**
 * The RIO sync's settings from the environment (zod, parsed once at start): the service's
 * schedule and the `osr rio sync` command read the same variables.
 */
import { z } from 'zod';
import type { RioSyncConfig } from './sync.js';

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const count = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

export const rioSyncEnvSchema = z.object({
  /** Base URL of the RIO API; without it there is no sync. */
  RIO_API_URL: optional(z.string().url().regex(/^https?:\/\//, 'must be an http(s) URL')),
  /** API key, sent in RIO_API_KEY_HEADER; never logged. */
  RIO_API_KEY: optional(z.string().min(1)),
  RIO_API_KEY_HEADER: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name').default('X-API-Key'),
  /** Minutes between scheduled syncs in the organisations service; 0 = off (the default). */
  RIO_SYNC_INTERVAL_MINUTES: count(0, 7 * 24 * 60, 0),
  RIO_SYNC_PAGE_SIZE: count(1, 10_000, 200),
  RIO_SYNC_CONCURRENCY: count(1, 32, 4),
  RIO_SYNC_REQUESTS_PER_SECOND: z.coerce.number().positive().max(1000).default(10),
  RIO_SYNC_MAX_ATTEMPTS: count(1, 20, 6),
  RIO_SYNC_BACKOFF_MS: count(1, 60_000, 500),
  RIO_SYNC_REQUEST_TIMEOUT_SECONDS: count(1, 600, 60),
  /** Fetching gives up after this many minutes (the next sync continues). */
  RIO_SYNC_MAX_MINUTES: z.coerce.number().positive().max(24 * 60).default(30),
});
export type RioSyncEnv = z.infer<typeof rioSyncEnvSchema>;

/** The sync's configuration, or null when no RIO API is set. */
export function rioSyncConfig(env: RioSyncEnv): RioSyncConfig | null {
  if (!env.RIO_API_URL) return null;
  return {
    apiUrl: env.RIO_API_URL,
    apiKey: env.RIO_API_KEY ?? null,
    apiKeyHeader: env.RIO_API_KEY_HEADER,
    pageSize: env.RIO_SYNC_PAGE_SIZE,
    concurrency: env.RIO_SYNC_CONCURRENCY,
    requestsPerSecond: env.RIO_SYNC_REQUESTS_PER_SECOND,
    maxAttempts: env.RIO_SYNC_MAX_ATTEMPTS,
    backoffBaseMs: env.RIO_SYNC_BACKOFF_MS,
    requestTimeoutMs: env.RIO_SYNC_REQUEST_TIMEOUT_SECONDS * 1000,
    maxDurationMs: env.RIO_SYNC_MAX_MINUTES * 60_000,
  };
}
