/**
 * Settings of the agreements subgraph beyond those every subgraph shares, parsed once at
 * start (zod): a bad value stops the process with one message naming the variable.
 */
import { z } from 'zod';
import { parseConfig } from '@osr/common';

export const agreementsEnvSchema = z.object({
  /**
   * Secret shared with the e-signing provider; its callbacks on POST /signing/webhook are
   * verified with it (HMAC-SHA256). Without it the webhook route does not exist.
   */
  SIGNING_WEBHOOK_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (a random secret shared with the e-signing provider)')
    .optional(),
  /** Follow the organisations change feed every N seconds; 0 (default) = only on request. */
  ORGANISATION_CHANGES_POLL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(0),
});

export interface AgreementsConfig {
  signingWebhookSecret: string | null;
  pollSeconds: number;
}

export function agreementsConfig(env: Record<string, string | undefined> = process.env): AgreementsConfig {
  const parsed = parseConfig(agreementsEnvSchema, env);
  return { signingWebhookSecret: parsed.SIGNING_WEBHOOK_SECRET ?? null, pollSeconds: parsed.ORGANISATION_CHANGES_POLL_SECONDS };
}
