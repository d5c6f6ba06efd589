/** Webhooks of suppliers (webhooks/subscriptions.ts holds the rules and the access checks). */
import type { MutationResolvers, QueryResolvers, WebhookDeliveryResolvers, WebhookResolvers } from '../generated/resolvers.js';

export const WebhookQuery: Pick<QueryResolvers, 'webhooks' | 'webhookDeliveries'> = {
  webhooks: (_p, { supplier, first, after }, { webhooks, identity }) => webhooks.list(identity, supplier, first, after),
  webhookDeliveries: (_p, { webhookId, status, first, after }, { webhooks, identity }) => webhooks.deliveries(identity, webhookId, status, first, after),
};

export const WebhookMutation: Pick<
  MutationResolvers,
  'registerWebhook' | 'rotateWebhookSecret' | 'pauseWebhook' | 'resumeWebhook' | 'deleteWebhook' | 'redeliverWebhookEvent'
> = {
  registerWebhook: (_p, { input }, { webhooks, identity }) => webhooks.register(input, identity),
  rotateWebhookSecret: (_p, { id, keepOld }, { webhooks, identity }) => webhooks.rotate(id, identity, keepOld ?? true),
  pauseWebhook: (_p, { id }, { webhooks, identity }) => webhooks.pause(id, identity),
  resumeWebhook: (_p, { id }, { webhooks, identity }) => webhooks.resume(id, identity),
  deleteWebhook: (_p, { id }, { webhooks, identity }) => webhooks.delete(id, identity),
  redeliverWebhookEvent: (_p, { id }, { webhooks, identity }) => webhooks.redeliver(id, identity),
};

export const Webhook: WebhookResolvers = {
  supplier: (w) => w.supplierOin,
  status: (w) => (w.status === 'PAUSED' ? 'PAUSED' : 'ACTIVE'),
};

export const WebhookDelivery: WebhookDeliveryResolvers = {
  id: (d) => d._id,
  payload: (d) => d.body,
  nextAttemptAt: (d) => (d.status !== 'QUEUED' ? null : d.state ? d.state.nextAttemptAt : d.nextAttemptAt),
  attemptInFlightSince: (d) => d.state?.attemptInFlightSince ?? null,
  waitingForEarlierEvent: (d) => d.state?.waitingForEarlierEvent ?? false,
};
