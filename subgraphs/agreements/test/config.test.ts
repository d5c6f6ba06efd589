import { describe, expect, it } from 'vitest';
import { ConfigError } from '@osr/common';
import { agreementsConfig } from '../src/config.js';

describe('agreements configuration', () => {
  it('is off by default: no webhook, no poller', () => {
    expect(agreementsConfig({})).toEqual({ signingWebhookSecret: null, pollSeconds: 0 });
  });

  it('takes a webhook secret and a poll interval', () => {
    expect(agreementsConfig({ SIGNING_WEBHOOK_SECRET: 'x'.repeat(32), ORGANISATION_CHANGES_POLL_SECONDS: '60' })).toEqual({ signingWebhookSecret: 'x'.repeat(32), pollSeconds: 60 });
  });

  it('refuses a short secret or a bad interval with one message naming each variable', () => {
    let error: unknown;
    try {
      agreementsConfig({ SIGNING_WEBHOOK_SECRET: 'short', ORGANISATION_CHANGES_POLL_SECONDS: '-1' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('SIGNING_WEBHOOK_SECRET: must be at least 32 characters');
    expect((error as Error).message).toContain('ORGANISATION_CHANGES_POLL_SECONDS');
  });
});
