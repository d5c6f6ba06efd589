/**
 * Webhook endpoints of suppliers: register, rotate the secret, pause, resume, delete, list;
 * the deliveries of an endpoint and redelivery of an event. A supplier manages its own
 * endpoints (its OIN from the token); support manages any supplier's. Anyone else is refused
 * before anything is read, and an endpoint of another supplier answers like a missing one.
 */
import { randomBytes } from 'node:crypto';
import { decodeCursor, encodeCursor, findEach, invalidInput, pageSize, toConnection, userError, type Identity } from '@osr/common';
import { NOT_PUBLIC, resolveTarget, urlProblem, type AddressPolicy } from './addresses.js';
import { WEBHOOK_EVENT_TYPES } from './events.js';
import { SecretBox } from './secrets.js';
import type { DeliveryStatus, WebhookRepository, WebhookDeliveryDocument, WebhookDocument } from '../repositories/webhooks.js';
import type { RegisterWebhookInput } from '../generated/resolvers.js';

const NO_ID = { projection: { _id: 0 } } as const;
/** endpoints per supplier (not deleted) */
export const MAX_WEBHOOKS_PER_SUPPLIER = 10;
const MAX_DELIVERY_PAGE = 200;

/** Only a supplier (for itself) and support (for any supplier) deal with webhooks. */
function requireWebhookCaller(identity: Identity): void {
  if ((identity.role === 'SUPPLIER' && identity.supplier) || identity.role === 'SUPPORT') return;
  throw userError('FORBIDDEN', 'Only a supplier (for its own systems) and support may manage webhooks');
}

/** The supplier whose webhooks the caller deals with: a supplier's own; support names it. */
export function webhookSupplier(identity: Identity, supplier: string | null | undefined): string {
  requireWebhookCaller(identity);
  if (identity.role === 'SUPPORT') {
    if (!supplier) throw invalidInput('supplier', supplier ?? null, 'support must name the supplier (its OIN)');
    return supplier;
  }
  if (supplier && supplier !== identity.supplier) throw userError('FORBIDDEN', `You may manage the webhooks of your own supplier (${identity.supplier}) only`);
  return identity.supplier!;
}

export interface WebhookWithSecret {
  webhook: WebhookDocument;
  secret: string;
}

export class WebhookSubscriptions {
  /** Told when deliveries of an endpoint are due now (a resume, a redelivery): the process's worker tries them at once. */
  onDue: (webhookId: string) => void = () => undefined;

  constructor(
    private readonly collections: WebhookRepository,
    private readonly box: SecretBox,
    private readonly policy: AddressPolicy & { rotationOverlapMs: number; leaseMs: number },
    private readonly supplierExists: (oin: string) => Promise<boolean>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The endpoint by id if the caller may manage it; missing and not yours answer alike. */
  async load(id: string, identity: Identity): Promise<WebhookDocument> {
    requireWebhookCaller(identity);
    if (id.length === 0 || id.length > 64) throw invalidInput('id', id, 'must be 1 to 64 characters');
    const found = await this.collections.webhooks.findOne({ id }, NO_ID);
    const visible = found && found.status !== 'DELETED' && (identity.role === 'SUPPORT' || found.supplierOin === identity.supplier);
    if (!visible) {
      if (identity.role === 'SUPPORT') throw userError('NOT_FOUND', `Webhook ${id} does not exist`);
      throw userError('FORBIDDEN', `Webhook ${id} does not exist or is not yours`);
    }
    return found;
  }

  async register(input: RegisterWebhookInput, identity: Identity): Promise<WebhookWithSecret> {
    const supplierOin = webhookSupplier(identity, input.supplier);
    const problem = urlProblem(input.url, this.policy);
    if (problem) throw invalidInput('url', input.url, problem);
    // the name must resolve to a public address now (and will be checked again at every delivery)
    try {
      await resolveTarget(input.url, this.policy);
    } catch {
      throw invalidInput('url', input.url, NOT_PUBLIC);
    }
    const services = input.services?.length ? [...new Set(input.services)].sort() : null;
    const events = input.events?.length ? [...new Set(input.events)].sort() : null;
    if (events?.some((e) => !WEBHOOK_EVENT_TYPES.includes(e))) throw invalidInput('events', events, `must be of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    if (!(await this.supplierExists(supplierOin))) {
      if (identity.role === 'SUPPORT') throw userError('NOT_FOUND', `Supplier ${supplierOin} is not registered`);
      throw userError('FORBIDDEN', `Supplier ${supplierOin} is not registered in the catalogue; ask support`);
    }
    const existing = (await this.collections.webhooks.find({ supplierOin }, NO_ID).toArray()).filter((w) => w.status !== 'DELETED');
    if (existing.length >= MAX_WEBHOOKS_PER_SUPPLIER) throw userError('CONFLICT', `Supplier ${supplierOin} has ${existing.length} webhooks already (at most ${MAX_WEBHOOKS_PER_SUPPLIER}); delete one first`);
    if (existing.some((w) => w.url === input.url)) throw userError('CONFLICT', `Supplier ${supplierOin} has a webhook for ${input.url} already`);
    const at = this.now();
    const secret = SecretBox.generate();
    const webhook: WebhookDocument = {
      id: `wh_${randomBytes(12).toString('hex')}`,
      supplierOin,
      url: input.url,
      services,
      events,
      status: 'ACTIVE',
      pausedReason: null,
      pausedAt: null,
      secrets: [this.box.seal(secret)],
      previousSecretValidUntil: null,
      failingSince: null,
      createdAt: at,
      createdBy: identity.name,
      updatedAt: at,
      version: 1,
    };
    await this.collections.webhooks.insertOne({ ...webhook });
    return { webhook, secret };
  }

  /**
   * A new secret; the old one stays valid (deliveries signed with both) for the overlap, unless
   * `keepOld` is false or it cannot be read (encrypted under another WEBHOOK_SECRET_KEY):
   * then it is dropped, and only the new one signs from now on.
   */
  async rotate(id: string, identity: Identity, keepOld = true): Promise<WebhookWithSecret> {
    const current = await this.load(id, identity);
    const at = this.now();
    const secret = SecretBox.generate();
    const old = current.secrets[0];
    const keep = keepOld && old !== undefined && this.box.canOpen(old);
    const webhook = await this.update(current, {
      secrets: keep ? [this.box.seal(secret), old] : [this.box.seal(secret)],
      previousSecretValidUntil: keep ? new Date(at.getTime() + this.policy.rotationOverlapMs) : null,
    });
    return { webhook, secret };
  }

  async pause(id: string, identity: Identity): Promise<WebhookDocument> {
    const current = await this.load(id, identity);
    if (current.status === 'PAUSED') return current;
    return this.update(current, { status: 'PAUSED', pausedAt: this.now(), pausedReason: `Paused by ${identity.name}` });
  }

  /**
   * Deliveries held while paused go out again at once, oldest first per mandate: a queue that
   * was backing off before the pause does not keep its wait.
   */
  async resume(id: string, identity: Identity): Promise<WebhookDocument> {
    const current = await this.load(id, identity);
    if (current.status === 'ACTIVE') return current;
    const resumed = await this.update(current, { status: 'ACTIVE', pausedAt: null, pausedReason: null, failingSince: null });
    await this.collections.deliveries.updateMany({ due: id }, { $set: { nextAttemptAt: resumed.updatedAt } });
    this.onDue(id);
    return resumed;
  }

  /** Marks it deleted (its deliveries stay readable to support) and forgets its secrets. */
  async delete(id: string, identity: Identity): Promise<string> {
    const current = await this.load(id, identity);
    await this.update(current, { status: 'DELETED', secrets: [], previousSecretValidUntil: null });
    return id;
  }

  /** Writes fields if nobody changed the endpoint since it was read (CONFLICT otherwise). */
  async update(current: WebhookDocument, fields: Partial<WebhookDocument>): Promise<WebhookDocument> {
    const next = { ...current, ...fields, version: current.version + 1, updatedAt: this.now() };
    const result = await this.collections.webhooks.replaceOne({ id: current.id, version: current.version }, next);
    if (result.matchedCount === 0) throw userError('CONFLICT', `Webhook ${current.id} was changed at the same time; try again`);
    return next;
  }

  async list(identity: Identity, supplier: string | null | undefined, first: number | null | undefined, after: string | null | undefined) {
    const supplierOin = webhookSupplier(identity, supplier);
    const size = pageSize(first, MAX_WEBHOOKS_PER_SUPPLIER * 10);
    const position = decodeCursor(after, { id: 'string' });
    // at most a few per supplier: one equality, ordered here
    const all = (await this.collections.webhooks.find({ supplierOin }, NO_ID).toArray())
      .filter((w) => w.status !== 'DELETED')
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .filter((w) => !position || w.id > (position.id as string));
    return toConnection(all.slice(0, size + 1), size, (w) => encodeCursor({ id: w.id }));
  }

  async deliveries(identity: Identity, webhookId: string, status: DeliveryStatus | null | undefined, first: number | null | undefined, after: string | null | undefined) {
    const webhook = await this.load(webhookId, identity);
    const size = pageSize(first, MAX_DELIVERY_PAGE);
    const position = decodeCursor(after, { k: 'string' });
    const filter = status ? { listKey: `${webhook.id}|${status}` } : { webhookId: webhook.id };
    const items = await this.collections.deliveries
      .find(position ? { ...filter, sortKey: { $lt: position.k as string } } : filter)
      .sort({ sortKey: -1 })
      .limit(size + 1)
      .toArray();
    return toConnection(await this.withState(webhook, items), size, (d) => encodeCursor({ k: d.sortKey }));
  }

  /**
   * The state of each queued delivery now: an attempt in flight (claimed within its lease),
   * or when the next one is due, which is never while the endpoint is paused or an earlier
   * event of the same mandate is queued (one equality find per queue on the page).
   */
  private async withState(webhook: WebhookDocument, items: WebhookDeliveryDocument[]): Promise<WebhookDeliveryDocument[]> {
    const queued = items.filter((d) => d.status === 'QUEUED');
    const queues = await findEach([...new Set(queued.map((d) => d.queue))], (queue) =>
      this.collections.deliveries.find({ queue }, { projection: { queue: 1, order: 1, status: 1 } }).toArray());
    const head = new Map<string, number>();
    for (const d of queues) if (d.status === 'QUEUED') head.set(d.queue, Math.min(head.get(d.queue) ?? Number.POSITIVE_INFINITY, d.order));
    const now = this.now().getTime();
    return items.map((d) => {
      if (d.status !== 'QUEUED') return d;
      const started = d.attemptStartedAt && d.attemptStartedAt.getTime() + this.policy.leaseMs > now ? d.attemptStartedAt : null;
      const waiting = (head.get(d.queue) ?? d.order) < d.order;
      const nextAttemptAt = started || waiting || webhook.status !== 'ACTIVE' ? null : d.nextAttemptAt;
      return { ...d, state: { attemptInFlightSince: started, nextAttemptAt, waitingForEarlierEvent: waiting } };
    });
  }

  /**
   * Sends an event again, at once, to the caller's endpoints that had it (delivered or failed
   * ones are queued again; queued ones are tried now instead of after their wait).
   * FORBIDDEN/NOT_FOUND when the caller had no delivery of it.
   */
  async redeliver(eventId: string, identity: Identity): Promise<WebhookDeliveryDocument[]> {
    requireWebhookCaller(identity);
    if (eventId.length === 0 || eventId.length > 64) throw invalidInput('id', eventId, 'must be 1 to 64 characters');
    const mine = (await this.collections.deliveries.find({ eventId }).toArray()).filter(
      (d) => identity.role === 'SUPPORT' || d.supplierOin === identity.supplier,
    );
    if (!mine.length) {
      if (identity.role === 'SUPPORT') throw userError('NOT_FOUND', `Event ${eventId} was not delivered to any webhook`);
      throw userError('FORBIDDEN', `Event ${eventId} does not exist or was not sent to your webhooks`);
    }
    const at = this.now();
    const result: WebhookDeliveryDocument[] = [];
    for (const found of mine) {
      // a worker may record an attempt meanwhile: then apply the redelivery to what it wrote
      let d: WebhookDeliveryDocument | null = found;
      for (let round = 0; d && round < 5; round++) {
        const next: WebhookDeliveryDocument = d.status === 'QUEUED'
          ? { ...d, nextAttemptAt: at, sendAgain: true }
          : { ...d, status: 'QUEUED', due: d.webhookId, listKey: `${d.webhookId}|QUEUED`, nextAttemptAt: at, giveUpAt: null };
        const written = await this.collections.deliveries.replaceOne({ _id: d._id, attemptCount: d.attemptCount, status: d.status }, next);
        if (written.matchedCount) {
          result.push(next);
          d = null;
        } else {
          d = await this.collections.deliveries.findOne({ _id: d._id });
        }
      }
      if (d) throw userError('CONFLICT', `Event ${eventId} is being delivered right now and kept changing; try again`);
    }
    for (const webhookId of new Set(mine.map((d) => d.webhookId))) this.onDue(webhookId);
    return result;
  }
}
