/** Wires the webhooks into the mandates process: subscriptions, the worker, GET /metrics. */
import type { Logger, Route } from '@osr/common';
import type { MandatesRepository } from '../repository.js';
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

export function createWebhooks(repository: MandatesRepository, identitySecret: string, logger: Logger, overrides: Partial<WebhookSettings> = {}): Webhooks {
  const settings = { ...webhookSettings(), ...overrides };
  if (settings.production && !settings.secretKey) logger.warn('WEBHOOK_SECRET_KEY is not set: webhook secrets are encrypted with a key derived from OSR_IDENTITY_SECRET (changing that secret makes them unreadable)');
  const box = new SecretBox(settings.secretKey, identitySecret);
  const metrics = new WebhookMetrics();
  const supplierOfSystem = async (systemId: string) => (await repository.findSystems([systemId]))[0]?.supplierOin ?? null;
  const subscriptions = new WebhookSubscriptions(repository.webhooks, box, settings, async (oin) => (await repository.suppliers.findOne({ oin })) !== null);
  const worker = new WebhookWorker({ collections: repository.webhooks, store: repository.store, box, settings, metrics, supplierOfSystem, logger });
  subscriptions.onDue = (webhookId) => worker.wake(webhookId);
  if (settings.worker) worker.start();
  const metricsRoute: Route = {
    method: 'GET',
    path: '/metrics',
    handle(_req, res) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(metrics.render());
    },
  };
  return { subscriptions, worker, metrics, settings, routes: [metricsRoute], stop: () => worker.stop() };
}
