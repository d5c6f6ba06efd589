/**
 * The delivery worker (runs in every mandates process; replicas share the work through the
 * database): fans pending outbox events out to one delivery per wanted endpoint, claims each
 * attempt through a unique insert, sends each mandate's deliveries in order, retries with
 * backoff and pauses an endpoint that keeps failing. The design: docs/webhooks.md, Delivery.
 */
import { randomUUID } from 'node:crypto';
import { duplicateKeysOnly, type Logger } from '@osr/common';
import type { MandateStore } from '../repositories/mandate-store.js';
import { resolveTarget } from './addresses.js';
import type { WebhookSettings } from './config.js';
import { post, type AttemptOutcome } from './delivery.js';
import type { WebhookEventDocument } from './events.js';
import type { SecretBox } from './secrets.js';
import type { DeliveryAttempt, WebhookRepository, WebhookDeliveryDocument, WebhookDocument } from '../repositories/webhooks.js';
import type { WebhookMetrics } from './metrics.js';

const FAN_OUT_BATCH = 200;
const DUE_BATCH = 500;
const QUEUE_CONCURRENCY = 8;
/** endpoints sent to at the same time by one process */
const ENDPOINT_CONCURRENCY = 16;
const MAX_TAKEOVERS = 20;
const KEEP_ATTEMPTS = 20;
/** an event whose change is not applied after this long was left by a writer that stopped: roll it forward */
const ROLL_FORWARD_AFTER_MS = 5_000;
/** the pause before a round asked for by a write or by a change still being applied */
const SOON_MS = 20;
/** an endpoint waiting for a retry is looked at again after at most this long */
const RECHECK_MS = 5_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface WorkerDeps {
  collections: WebhookRepository;
  store: MandateStore;
  box: SecretBox;
  settings: WebhookSettings;
  metrics: WebhookMetrics;
  supplierOfSystem: (systemId: string) => Promise<string | null>;
  logger?: Logger;
  now?: () => number;
  random?: () => number;
}

/** The JSON body a supplier receives. */
export function payloadOf(event: WebhookEventDocument, supplierOin: string): string {
  return JSON.stringify({
    id: event._id,
    type: event.type,
    occurredAt: event.occurredAt.toISOString(),
    supplier: supplierOin,
    service: event.serviceCode,
    system: { id: event.systemId },
    school: event.brin ? { brin: event.brin } : null,
    board: { bevoegdGezagNummer: event.boardNummer },
    mandate: { id: event.mandateId, before: event.before, after: event.after },
    ...(event.reviewKind ? { reviewReason: event.reviewKind } : {}),
  });
}

/** The wait before attempt n+1 after n failed ones: base·2^(n-1), at most max, times 0.5–1 (jitter). */
export function backoffMs(failed: number, settings: Pick<WebhookSettings, 'retryBaseMs' | 'retryMaxDelayMs'>, random: () => number = Math.random): number {
  const plain = Math.min(settings.retryMaxDelayMs, settings.retryBaseMs * 2 ** Math.min(Math.max(failed - 1, 0), 40));
  return Math.max(1, Math.round(plain * (0.5 + random() * 0.5)));
}

export class WebhookWorker {
  private readonly owner = randomUUID();
  private readonly now: () => number;
  private readonly random: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastPrune = 0;
  private again = false;
  private loop: (() => void) | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly inFlight = new Set<AbortController>();
  /** per endpoint: nothing is due before this time (what the last look found) */
  private readonly notBefore = new Map<string, number>();
  /** per endpoint: the version notBefore was found for (a resume changes it: look again at once) */
  private readonly seenVersion = new Map<string, number>();
  /** endpoints whose task is sending now: a round starts no second one and does not wait for it */
  private readonly sending = new Map<string, Promise<void>>();
  /** per endpoint: its queued deliveries at its last look (the depth metric is their sum) */
  private readonly depths = new Map<string, number>();
  private rotation = 0;

  constructor(private readonly deps: WorkerDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
  }

  start(): void {
    const loop = () => {
      this.timer = null;
      if (this.stopped) return;
      this.again = false;
      this.running = this.tick()
        .catch((err: unknown) => this.deps.logger?.warn({ err }, 'webhook worker round failed; will retry'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) {
            this.timer = setTimeout(loop, this.again ? SOON_MS : this.deps.settings.pollMs);
            this.timer.unref();
          }
        });
    };
    this.loop = loop;
    // events written by this process start a round at once (other replicas find them by polling)
    this.unsubscribe = this.deps.collections.outbox.onRecorded(() => this.nudge());
    this.timer = setTimeout(loop, 0);
    this.timer.unref();
  }

  /** Starts the next round now (or right after the one in progress). */
  nudge(): void {
    if (this.stopped || !this.loop) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.loop, SOON_MS);
    this.timer.unref();
  }

  /**
   * Something for this endpoint (or any, without an id) is due now: a resume, a redelivery.
   * Forgets the wait found at its last look and starts a round.
   */
  wake(webhookId?: string): void {
    if (webhookId === undefined) this.notBefore.clear();
    else this.notBefore.delete(webhookId);
    this.nudge();
  }

  /** Stops after the round and the attempts in progress (they are recorded). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.settled();
  }

  /** Resolves when no endpoint's task is sending. */
  async settled(): Promise<void> {
    while (this.sending.size) await Promise.all([...this.sending.values()]);
  }

  /** Stops at once, abandoning attempts in flight without recording them (as if the process died). */
  async halt(): Promise<void> {
    const stopping = this.stop();
    for (const controller of this.inFlight) controller.abort();
    await stopping;
  }

  /**
   * One round: fan out new events, then start sending what is due (without waiting for the
   * endpoints' tasks); once an hour, remove old ones.
   */
  async tick(): Promise<void> {
    await this.fanOut();
    await this.deliverDue();
    if (this.now() - this.lastPrune > PRUNE_EVERY_MS) await this.prune();
  }

  /**
   * Removes deliveries that left the queue and events fanned out more than keepDays ago (a
   * maintenance read of both collections, at most hourly per process; not on a request path).
   */
  async prune(): Promise<{ deliveries: number; events: number }> {
    this.lastPrune = this.now();
    const cutoff = new Date(this.now() - this.deps.settings.keepDays * 86_400_000);
    const { collections } = this.deps;
    const deliveries = await collections.deliveries.deleteMany({ createdAt: { $lt: cutoff }, status: { $ne: 'QUEUED' } });
    const events = await collections.outbox.events.deleteMany({ occurredAt: { $lt: cutoff }, pending: { $exists: false } });
    if (deliveries.deletedCount || events.deletedCount) {
      this.deps.logger?.info({ deliveries: deliveries.deletedCount, events: events.deletedCount }, 'removed old webhook deliveries and events');
    }
    return { deliveries: deliveries.deletedCount, events: events.deletedCount };
  }

  async fanOut(): Promise<number> {
    const { collections } = this.deps;
    const events = await collections.outbox.events.find({ pending: true }).limit(FAN_OUT_BATCH).toArray();
    this.deps.metrics.rounds.inc();
    this.deps.metrics.waiting.set(events.length);
    let made = 0;
    const subscribers = new Map<string, WebhookDocument[]>();
    // a batch after a migration or load holds many events of a few systems: one lookup each
    const suppliers = new Map<string, Promise<string | null>>();
    const supplierOf = (systemId: string) => {
      if (!suppliers.has(systemId)) suppliers.set(systemId, this.deps.supplierOfSystem(systemId));
      return suppliers.get(systemId)!;
    };
    // events fanned out are marked done together, once per batch (also when the batch stops
    // half way); one marked again after a crash makes no second delivery (insertNew)
    const done: string[] = [];
    try {
      for (const event of events) {
        if (this.stopped) break;
        const supplierOin = await supplierOf(event.systemId);
        if (supplierOin) {
          if (!subscribers.has(supplierOin)) subscribers.set(supplierOin, await collections.webhooks.find({ supplierOin }, { projection: { _id: 0 } }).toArray());
          const wanted = subscribers.get(supplierOin)!.filter(
            (w) =>
              w.status !== 'DELETED' &&
              w.createdAt.getTime() <= event.occurredAt.getTime() &&
              (w.services === null || w.services.includes(event.serviceCode)) &&
              (w.events === null || w.events.includes(event.type)),
          );
          // the change the event comes from is applied before anyone hears of it: a writer
          // still applying is waited for; one that stopped half way is completed (roll forward)
          if (wanted.length && !(await this.applied(event))) {
            if (this.now() - event.occurredAt.getTime() < ROLL_FORWARD_AFTER_MS) {
              this.again = true;
              continue;
            }
            await this.deps.store.readSlot(event.slotKey);
            if (!(await this.applied(event))) continue;
          }
          const at = new Date(this.now());
          const deliveries = wanted.map((w): WebhookDeliveryDocument => {
            const _id = `${event._id}.${w.id}`;
            return {
              _id,
              webhookId: w.id,
              supplierOin,
              eventId: event._id,
              eventType: event.type,
              mandateId: event.mandateId,
              occurredAt: event.occurredAt,
              queue: `${w.id}|${event.mandateId}`,
              order: event.order,
              status: 'QUEUED',
              due: w.id,
              listKey: `${w.id}|QUEUED`,
              sortKey: `${event.occurredAt.toISOString()}|${String(event.order).padStart(12, '0')}|${_id}`,
              attemptCount: 0,
              attempts: [],
              giveUpAt: null,
              nextAttemptAt: at,
              deliveredAt: null,
              createdAt: at,
              body: payloadOf(event, supplierOin),
            };
          });
          if (deliveries.length) {
            const inserted = await insertNew(collections.deliveries, deliveries);
            made += inserted;
            this.deps.metrics.queued.inc(inserted);
            for (const w of wanted) this.notBefore.delete(w.id);
          }
        }
        done.push(event._id);
      }
    } finally {
      if (done.length) await collections.outbox.events.updateMany({ pending: true, _id: { $in: done } }, { $unset: { pending: '' } });
    }
    return made;
  }

  /** The event's mandate shows its change (at least the version the change wrote). */
  private async applied(event: WebhookEventDocument): Promise<boolean> {
    const mandate = await this.deps.store.mandates.findOne({ id: event.mandateId }, { projection: { version: 1 } });
    return mandate !== null && mandate.version >= event.after.version;
  }

  /**
   * Starts a task for each active endpoint with something due that has none running, at most
   * ENDPOINT_CONCURRENCY at once, starting each round one endpoint further (so that with more
   * endpoints than tasks each gets its turn). Does not wait for the tasks: a task that sent
   * something starts the next round when it ends.
   */
  async deliverDue(): Promise<void> {
    const { collections } = this.deps;
    const active = await collections.webhooks.find({ status: 'ACTIVE' }, { projection: { _id: 0 } }).toArray();
    const ids = new Set(active.map((w) => w.id));
    for (const id of this.depths.keys()) if (!ids.has(id)) this.depths.delete(id);
    const start = active.length ? this.rotation++ % active.length : 0;
    for (let i = 0; i < active.length; i++) {
      if (this.stopped || this.sending.size >= ENDPOINT_CONCURRENCY) break;
      const webhook = active[(start + i) % active.length]!;
      if (this.sending.has(webhook.id)) continue;
      if (this.seenVersion.get(webhook.id) !== webhook.version) {
        this.notBefore.delete(webhook.id);
        this.seenVersion.set(webhook.id, webhook.version);
      }
      if ((this.notBefore.get(webhook.id) ?? 0) > this.now()) continue;
      const task = this.deliverTo(webhook).then(
        (sent) => {
          this.sending.delete(webhook.id);
          if (sent) this.nudge();
        },
        (err: unknown) => {
          this.sending.delete(webhook.id);
          this.deps.logger?.warn({ err, webhook: webhook.id }, 'webhook deliveries to an endpoint failed; will retry');
        },
      );
      this.sending.set(webhook.id, task);
    }
    this.deps.metrics.depth.set([...this.depths.values()].reduce((a, b) => a + b, 0));
  }

  /** Sends the endpoint's due queues (QUEUE_CONCURRENCY at a time); returns whether it attempted anything. */
  private async deliverTo(webhook: WebhookDocument): Promise<boolean> {
    const due = await this.deps.collections.deliveries.find({ due: webhook.id }).limit(DUE_BATCH).toArray();
    this.depths.set(webhook.id, due.length);
    // the lowest of each queue among those read; checked against the whole queue before sending
    const heads = new Map<string, WebhookDeliveryDocument>();
    for (const d of due) {
      const head = heads.get(d.queue);
      if (!head || d.order < head.order) heads.set(d.queue, d);
    }
    let earliest = Number.POSITIVE_INFINITY;
    const candidates = [...heads.values()];
    for (const d of candidates) earliest = Math.min(earliest, d.nextAttemptAt.getTime());
    // skip this endpoint until its earliest retry, but look again within RECHECK_MS: another
    // replica may have fanned out new events, or an event was redelivered there
    if (due.length === 0 || due.length >= DUE_BATCH) this.notBefore.delete(webhook.id);
    else this.notBefore.set(webhook.id, Math.min(earliest, this.now() + RECHECK_MS));
    const ready = candidates.filter((d) => d.nextAttemptAt.getTime() <= this.now());
    let next = 0;
    const work = async () => {
      while (next < ready.length && !this.stopped) {
        const d = ready[next++]!;
        const retryAt = await this.attemptQueue(webhook, d);
        if (typeof retryAt === 'number') this.notBefore.set(webhook.id, Math.min(this.notBefore.get(webhook.id) ?? retryAt, retryAt));
      }
    };
    await Promise.all(Array.from({ length: Math.min(QUEUE_CONCURRENCY, ready.length) }, work));
    return ready.length > 0;
  }

  /**
   * Sends the queue of the delivery, head first, while its heads are due and get answered
   * (a queue's backlog drains in one round); returns when that queue is due next (null: nothing known).
   */
  private async attemptQueue(webhook: WebhookDocument, candidate: WebhookDeliveryDocument): Promise<number | null> {
    for (let sent = 0; sent < DUE_BATCH && !this.stopped; sent++) {
      const queue = await this.deps.collections.deliveries.find({ queue: candidate.queue }).toArray();
      const head = queue.filter((d) => d.status === 'QUEUED').sort((a, b) => a.order - b.order)[0];
      if (!head) return null;
      if (head.nextAttemptAt.getTime() > this.now()) return head.nextAttemptAt.getTime();
      const result = await this.attempt(webhook, head);
      if (result !== 'done') return result;
    }
    return null;
  }

  /**
   * Claims and makes one attempt of a delivery; returns its next attempt time when it stays
   * queued, 'done' when it left the queue (delivered or failed), null when not attempted here.
   */
  async attempt(webhook: WebhookDocument, delivery: WebhookDeliveryDocument): Promise<number | 'done' | null> {
    const { collections } = this.deps;
    const claim = await this.claim(delivery);
    if (claim === null) return null;
    let abandoned = false;
    try {
      // read again after the claim: another worker may have recorded this attempt already
      const fresh = await collections.deliveries.findOne({ _id: delivery._id });
      if (!fresh || fresh.status !== 'QUEUED' || fresh.attemptCount !== delivery.attemptCount) return null;
      const current = await collections.webhooks.findOne({ id: webhook.id }, { projection: { _id: 0 } });
      if (!current || current.status !== 'ACTIVE') return null;
      // shown by webhookDeliveries as the attempt in flight, until its outcome is recorded
      await collections.deliveries.updateOne({ _id: delivery._id, attemptCount: delivery.attemptCount }, { $set: { attemptStartedAt: new Date(this.now()) } });
      const outcome = await this.send(current, fresh);
      if (outcome === null) {
        abandoned = true; // halted mid-attempt: record nothing, keep the claim (as a killed process would)
        return null;
      }
      return await this.record(current, fresh, outcome);
    } finally {
      if (!abandoned) await Promise.all(claim.map((_id) => collections.claims.deleteOne({ _id }).catch(() => undefined)));
    }
  }

  private async claim(delivery: WebhookDeliveryDocument): Promise<string[] | null> {
    const { claims } = this.deps.collections;
    const ids: string[] = [];
    for (let n = 0; n < MAX_TAKEOVERS; n++) {
      const _id = `${delivery._id}#${delivery.attemptCount}#${n}`;
      ids.push(_id);
      try {
        await claims.insertOne({ _id, owner: this.owner, expiresAt: new Date(this.now() + this.deps.settings.leaseMs) });
        return ids;
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
        const held = await claims.findOne({ _id });
        if (held && held.expiresAt.getTime() > this.now()) return null; // another worker is on it
        // that worker did not finish within its lease: take over with the next claim
      }
    }
    return null;
  }

  private async send(webhook: WebhookDocument, delivery: WebhookDeliveryDocument): Promise<AttemptOutcome | null> {
    const { settings, box } = this.deps;
    const started = this.now();
    let secrets: string[];
    try {
      const validOld = webhook.previousSecretValidUntil !== null && webhook.previousSecretValidUntil.getTime() > started;
      // the current secret must be readable; a previous one that is not (the key changed) is left out
      secrets = [box.open(webhook.secrets[0]!), ...(validOld ? webhook.secrets.slice(1).filter((s) => box.canOpen(s)).map((s) => box.open(s)) : [])];
    } catch (err) {
      return { ok: false, statusCode: null, error: err instanceof Error ? err.message : String(err), durationMs: 0 };
    }
    let target;
    try {
      target = await resolveTarget(webhook.url, settings);
    } catch (err) {
      return { ok: false, statusCode: null, error: `refused: ${err instanceof Error ? err.message : String(err)}`, durationMs: this.now() - started };
    }
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      const outcome = await post({
        url: webhook.url,
        target,
        eventId: delivery.eventId,
        eventType: delivery.eventType,
        body: delivery.body,
        secrets,
        timeoutMs: settings.timeoutMs,
        signal: controller.signal,
      }, this.now);
      return controller.signal.aborted ? null : outcome;
    } finally {
      this.inFlight.delete(controller);
    }
  }

  private async record(webhook: WebhookDocument, delivery: WebhookDeliveryDocument, outcome: AttemptOutcome): Promise<number | 'done' | null> {
    const { collections, settings, metrics } = this.deps;
    const at = this.now();
    const attempt: DeliveryAttempt = { at: new Date(at), statusCode: outcome.statusCode, error: outcome.error, durationMs: outcome.durationMs };
    const attempts = [...delivery.attempts, attempt].slice(-KEEP_ATTEMPTS);
    const attemptCount = delivery.attemptCount + 1;
    const giveUpAt = delivery.giveUpAt ?? new Date(at + settings.retryForMs);
    let next: WebhookDeliveryDocument;
    let retryAt: number | null = null;
    if (outcome.ok) {
      next = { ...delivery, status: 'DELIVERED', listKey: `${delivery.webhookId}|DELIVERED`, attemptCount, attempts, giveUpAt, deliveredAt: new Date(at) };
      delete next.due;
    } else {
      const wait = backoffMs(attemptCount, settings, this.random);
      if (at + wait > giveUpAt.getTime()) {
        next = { ...delivery, status: 'FAILED', listKey: `${delivery.webhookId}|FAILED`, attemptCount, attempts, giveUpAt };
        delete next.due;
      } else {
        retryAt = at + wait;
        next = { ...delivery, attemptCount, attempts, giveUpAt, nextAttemptAt: new Date(retryAt) };
      }
    }
    delete next.sendAgain;
    delete next.attemptStartedAt;
    // a redelivery asked meanwhile (sendAgain) must not be lost under this outcome
    const filter = { _id: delivery._id, attemptCount: delivery.attemptCount, ...(delivery.sendAgain ? {} : { sendAgain: { $ne: true } }) };
    const written = await collections.deliveries.replaceOne(filter, next);
    if (written.matchedCount === 0) {
      const fresh = await collections.deliveries.findOne({ _id: delivery._id });
      if (!fresh || fresh.status !== 'QUEUED' || fresh.attemptCount !== delivery.attemptCount || !fresh.sendAgain) return null; // another worker recorded it (took over after our lease)
      // redelivery asked during the attempt: record the attempt, and send once more now
      next = { ...fresh, status: 'QUEUED', due: fresh.webhookId, listKey: `${fresh.webhookId}|QUEUED`, attemptCount, attempts, giveUpAt: outcome.ok ? null : giveUpAt, nextAttemptAt: new Date(at) };
      delete next.sendAgain;
      delete next.attemptStartedAt;
      retryAt = at;
      const again = await collections.deliveries.replaceOne({ _id: delivery._id, attemptCount: delivery.attemptCount, sendAgain: true }, next);
      if (again.matchedCount === 0) return null;
    }
    if (next.status === 'DELIVERED') {
      metrics.delivered.inc();
      metrics.lag.observe((at - delivery.occurredAt.getTime()) / 1000);
    } else if (next.status === 'FAILED') {
      metrics.failed.inc();
      this.deps.logger?.warn({ delivery: delivery._id, webhook: webhook.id, attempts: attemptCount }, 'webhook delivery failed for good');
    } else {
      metrics.retried.inc();
    }
    await this.noteHealth(webhook, outcome, at);
    return retryAt ?? 'done';
  }

  /** Remembers since when the endpoint fails; pauses it when that is longer than allowed. */
  private async noteHealth(webhook: WebhookDocument, outcome: AttemptOutcome, at: number): Promise<void> {
    const { collections, settings } = this.deps;
    for (let round = 0; round < 3; round++) {
      const current = round === 0 ? webhook : await collections.webhooks.findOne({ id: webhook.id }, { projection: { _id: 0 } });
      if (!current || current.status === 'DELETED') return;
      let fields: Partial<WebhookDocument>;
      if (outcome.ok) {
        if (current.failingSince === null) return;
        fields = { failingSince: null };
      } else {
        const since = current.failingSince ?? new Date(at);
        if (current.status === 'ACTIVE' && at - since.getTime() >= settings.pauseAfterMs) {
          fields = {
            failingSince: since,
            status: 'PAUSED',
            pausedAt: new Date(at),
            pausedReason: `No 2xx answer since ${since.toISOString()} (last: ${outcome.error ?? `HTTP ${outcome.statusCode}`}); paused automatically. Fix the endpoint, then resumeWebhook.`,
          };
          this.deps.logger?.warn({ webhook: webhook.id, since }, 'webhook endpoint paused after failing');
        } else if (current.failingSince === null) {
          fields = { failingSince: since };
        } else return;
      }
      const result = await collections.webhooks.replaceOne({ id: current.id, version: current.version }, { ...current, ...fields, version: current.version + 1, updatedAt: new Date(at) });
      if (result.matchedCount) return;
    }
  }
}

/** Inserts the documents whose _id is new; returns how many were. */
async function insertNew(collection: WebhookRepository['deliveries'], docs: WebhookDeliveryDocument[]): Promise<number> {
  try {
    const result = await collection.insertMany(docs, { ordered: false });
    return result.insertedCount;
  } catch (err) {
    if (!duplicateKeysOnly(err)) throw err;
    const { writeErrors } = err as { writeErrors: unknown };
    return docs.length - (Array.isArray(writeErrors) ? writeErrors.length : 1);
  }
}
