/** Wires the webhooks into the mandates process: subscriptions, the worker, GET /metrics. */
import type { Logger, Route } from '@osr/common';
import type { Repositories } from '../repositories/index.js';
import { webhookSettings, type WebhookSettings } from './config.js';
import { WebhookMetrics } from './metrics.js';
import { SecretBox } from './secrets.js';
import { WebhookSubscriptions } from './subscriptions.js';
import { WebhookWorker } from './worker.js';

export interface Webhooks {
  subscriptions: WebhookSubscriptions;
  worker: WebhookWorker;
  metrics: WebhookMetrics;
  settings: WebhookSettings;
  routes: Route[];
  stop(): Promise<void>;
}

export function createWebhooks(repositories: Repositories, identitySecret: string, logger: Logger, overrides: Partial<WebhookSettings> = {}): Webhooks {
  const settings = { ...webhookSettings(), ...overrides };
  if (settings.production && !settings.secretKey) logger.warn('WEBHOOK_SECRET_KEY is not set: webhook secrets are encrypted with a key derived from OSR_IDENTITY_SECRET (changing that secret makes them unreadable)');
  const box = new SecretBox(settings.secretKey, identitySecret);
  const metrics = new WebhookMetrics();
  const supplierOfSystem = async (systemId: string) => (await repositories.catalogue.findSystems([systemId]))[0]?.supplierOin ?? null;
  const subscriptions = new WebhookSubscriptions(repositories.webhooks, box, settings, async (oin) => (await repositories.catalogue.supplier(oin)) !== null);
  const worker = new WebhookWorker({ collections: repositories.webhooks, store: repositories.mandates.store, box, settings, metrics, supplierOfSystem, logger });
  subscriptions.onDue = (webhookId) => worker.wake(webhookId);
  if (settings.worker) worker.start();
  const metricsRoute: Route = {
    method: 'GET',
    path: '/metrics',
    async handle(_req, res) {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.render());
    },
  };
  return { subscriptions, worker, metrics, settings, routes: [metricsRoute], stop: () => worker.stop() };
}
