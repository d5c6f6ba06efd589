import type DataLoader from 'dataloader';
import type { Identity } from '@osr/common';
import type { MandateAnalytics } from './analytics.js';
import type { FeedFollower } from './feed-follower.js';
import type { MandateCheck } from './mandate-check.js';
import type { MandateService } from './mandate-service.js';
import type { SchoolBoards } from './peers.js';
import type { MandatesLoaders } from './loaders.js';
import type { Repositories } from './repositories/index.js';
import type { WebhookSubscriptions } from './webhooks/subscriptions.js';

export interface Context {
  /** Who is asking (verified by the gateway, signed). */
  identity: Identity;
  repositories: Repositories;
  loaders: MandatesLoaders;
  /** The boards of schools, from the organisations subgraph (per request, batched): who holds a school now. */
  schoolBoards: DataLoader<string, SchoolBoards | null>;
  /** The schools a board holds today (per request, one call per board): the caller's, for access by id. */
  schoolsOfBoard: DataLoader<string, Map<string, SchoolBoards>>;
  service: MandateService;
  follower: FeedFollower;
  /** Aggregates for analysts, support and boards (analytics.ts). */
  analytics: MandateAnalytics;
  /** The yearly mandate check (mandate-check.ts). */
  mandateCheck: MandateCheck;
  /** Suppliers' webhook endpoints and deliveries (webhooks/subscriptions.ts). */
  webhooks: WebhookSubscriptions;
  /** Today in the Netherlands (YYYY-MM-DD), fixed for the whole request. */
  today: string;
}
