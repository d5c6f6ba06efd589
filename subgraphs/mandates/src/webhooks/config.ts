/**
 * The webhook settings, from the environment (parsed once at start; a bad value stops the
 * process with a clear message). Timings are settable so that tests run in seconds.
 */
import { z } from 'zod';
import { flagSchema, parseConfig } from '@osr/common';

const ms = (fallback: number) => z.coerce.number().int().min(1).max(7 * 24 * 3600 * 1000).default(fallback);

export const webhookEnvSchema = z.object({
  NODE_ENV: z.string().optional(),
  /** Allow private, loopback and link-local receivers (and http outside production): tests, development. */
  WEBHOOK_ALLOW_PRIVATE: flagSchema,
  /** Key that encrypts the stored signing secrets (at least 32 characters); see docs/webhooks.md. */
  WEBHOOK_SECRET_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(32, 'must be at least 32 characters').optional()),
  /** Run the delivery worker in this process (default on). */
  WEBHOOK_WORKER: z.preprocess((v) => (v === undefined || v === '' ? 'true' : v), flagSchema),
  /** How often the worker looks for work. */
  WEBHOOK_POLL_MS: ms(500),
  /** First retry after this long; each next one twice as long (with jitter). */
  WEBHOOK_RETRY_BASE_MS: ms(30_000),
  /** No wait between retries longer than this. */
  WEBHOOK_RETRY_MAX_DELAY_MS: ms(3_600_000),
  /** Retry for this long after the first attempt, then the delivery is FAILED. */
  WEBHOOK_RETRY_FOR_MS: ms(24 * 3_600_000),
  /** An endpoint without any 2xx answer for this long is paused. */
  WEBHOOK_PAUSE_AFTER_MS: ms(3_600_000),
  /** One attempt waits this long for an answer. */
  WEBHOOK_TIMEOUT_MS: ms(10_000),
  /** A claimed attempt that did not finish in this long is taken over by another worker. */
  WEBHOOK_LEASE_MS: ms(60_000),
  /** Delivered and failed deliveries, and fanned-out events, are removed after this many days. */
  WEBHOOK_KEEP_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** The old secret stays valid (deliveries are signed with both) this long after a rotation. */
  WEBHOOK_ROTATION_OVERLAP_MS: ms(24 * 3_600_000),
});

export type WebhookSettings = ReturnType<typeof webhookSettings>;

export function webhookSettings(env: Record<string, string | undefined> = process.env) {
  const c = parseConfig(webhookEnvSchema, env);
  return {
    production: c.NODE_ENV === 'production',
    allowPrivate: c.WEBHOOK_ALLOW_PRIVATE,
    secretKey: c.WEBHOOK_SECRET_KEY ?? null,
    worker: c.WEBHOOK_WORKER,
    pollMs: c.WEBHOOK_POLL_MS,
    retryBaseMs: c.WEBHOOK_RETRY_BASE_MS,
    retryMaxDelayMs: c.WEBHOOK_RETRY_MAX_DELAY_MS,
    retryForMs: c.WEBHOOK_RETRY_FOR_MS,
    pauseAfterMs: c.WEBHOOK_PAUSE_AFTER_MS,
    timeoutMs: c.WEBHOOK_TIMEOUT_MS,
    leaseMs: c.WEBHOOK_LEASE_MS,
    rotationOverlapMs: c.WEBHOOK_ROTATION_OVERLAP_MS,
    keepDays: c.WEBHOOK_KEEP_DAYS,
  };
}
