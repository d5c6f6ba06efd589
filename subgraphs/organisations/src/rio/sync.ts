/**
 * The RIO API sync: a full snapshot pulled from the RIO API and imported with the RIO
 * import's rules (change feed, nothing deleted, bad records reported, the rest lands).
 *
 * Crash-safe without transactions:
 * - one sync at a time: a lock document claimed by insert (unique _id), kept alive by a
 *   heartbeat; a lock without heartbeat for `lockStaleMs` belongs to a dead sync and is taken;
 * - every fetched page is stored before the next is counted, so a sync that stopped (crash,
 *   give-up, error) is continued by the next one of the same reference date: it fetches only
 *   the pages it lacks;
 * - the import itself is importRio's re-runnable path (feed entries by natural key first,
 *   journaled bulk writes), so running it again after a crash duplicates nothing.
 * Fetching is bounded in time: past `maxDurationMs` the sync gives up with a report and keeps
 * its pages for the next attempt.
 */
import { randomBytes } from 'node:crypto';
import { todayInNetherlands, type Logger } from '@osr/common';
import type { RioSyncCountsDocument, RioSyncRunDocument, RioSyncStatusView, RioSyncTrigger } from '../documents.js';
import type { OrganisationsRepository } from '../repository.js';
import { RioApiClient, RioApiError } from './api-client.js';
import { RIO_RESOURCES, snapshotFromApi, type CollectedItems, type RioResource } from './api-snapshot.js';
import { importRio, type ImportReport } from './import.js';
import type { RioSyncRepository } from './sync-repository.js';

export interface RioSyncConfig {
  /** Base URL of the RIO API (collections resolve against it). */
  apiUrl: string;
  apiKey: string | null;
  apiKeyHeader?: string;
  /** Items per page (default 200). */
  pageSize?: number;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Requests started per second at most (default 10). */
  requestsPerSecond?: number;
  /** Attempts per request before the sync fails (default 6). */
  maxAttempts?: number;
  /** First retry wait, doubled per attempt, with jitter (default 500 ms). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  requestTimeoutMs?: number;
  /** Fetching gives up after this long (default 30 minutes). */
  maxDurationMs?: number;
  /** A lock without heartbeat for this long is taken over (default 2 minutes). */
  lockStaleMs?: number;
  /** As the import's guard: see ImportOptions.maxEnded (default 50). */
  maxEnded?: number;
}

/** The RIO API client with the sync's settings (and their defaults). */
export function rioApiClient(config: RioSyncConfig, signal: AbortSignal, onRetry?: ConstructorParameters<typeof RioApiClient>[0]['onRetry']): RioApiClient {
  return new RioApiClient({
    baseUrl: config.apiUrl,
    apiKey: config.apiKey,
    ...(config.apiKeyHeader ? { apiKeyHeader: config.apiKeyHeader } : {}),
    concurrency: config.concurrency ?? 4,
    requestsPerSecond: config.requestsPerSecond ?? 10,
    maxAttempts: config.maxAttempts ?? 6,
    backoffBaseMs: config.backoffBaseMs ?? 500,
    ...(config.backoffMaxMs ? { backoffMaxMs: config.backoffMaxMs } : {}),
    ...(config.requestTimeoutMs ? { requestTimeoutMs: config.requestTimeoutMs } : {}),
    signal,
    ...(onRetry ? { onRetry } : {}),
  });
}

export interface RioSyncProgress {
  phase: 'fetching' | 'importing' | 'done';
  done: number;
  total: number;
}

export interface RioSyncOptions {
  trigger: RioSyncTrigger;
  /** Stops the sync (e.g. the service stops): outcome INTERRUPTED, pages kept. */
  signal?: AbortSignal;
  now?: () => Date;
  /** datumGeldigOp; default today in the Netherlands. */
  referenceDate?: string;
  logger?: Logger;
  onProgress?: (progress: RioSyncProgress) => void;
  /** Told when the run is recorded (the SUPPORT mutation answers with it). */
  onRun?: (run: RioSyncRunDocument) => void;
  /** Told after each page is stored. */
  onPage?: (page: { resource: string; page: number }) => void;
}

export interface RioSyncResult {
  run: RioSyncRunDocument;
  /** The import's report, when the sync got that far. */
  report: ImportReport | null;
  /** Pages an earlier attempt had stored (0 for a fresh sync). */
  resumedPages: number;
}

export class RioSyncBusyError extends Error {
  override name = 'RioSyncBusyError';
}

class GiveUp extends Error {
  override name = 'GiveUp';
}

class Interrupted extends Error {
  override name = 'Interrupted';
}

const RESUMABLE = new Set(['RUNNING', 'FAILED', 'GAVE_UP', 'INTERRUPTED']);
const MAX_REJECTIONS_KEPT = 200;
const OPTIONAL_RESOURCES = new Set<RioResource>(['samenwerkingsverbanden']);

/** The API URL as shown in records and logs: no credentials, no query. */
export function displayUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  url.username = '';
  url.password = '';
  url.search = '';
  return url.toString();
}

function newSyncId(now: Date): string {
  return `sync-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

function countsOf(report: ImportReport): RioSyncCountsDocument {
  return {
    recordsRead: report.recordsRead,
    created: report.created,
    updated: report.updated,
    ended: report.ended,
    moved: report.moved,
    unchanged: report.unchanged,
    rejected: report.rejected,
    changes: report.changes,
  };
}

/** Runs one sync to its end; failures end in the run's record (outcome, error), not in a throw. */
export async function runRioSync(
  repository: OrganisationsRepository,
  syncs: RioSyncRepository,
  config: RioSyncConfig,
  options: RioSyncOptions,
): Promise<RioSyncResult> {
  const now = options.now ?? (() => new Date());
  const log = options.logger;
  const progress = options.onProgress ?? (() => undefined);
  const started = now();
  const lockId = newSyncId(started);
  const staleMs = config.lockStaleMs ?? 120_000;
  const pageSize = config.pageSize ?? 200;
  const apiUrl = displayUrl(config.apiUrl);

  // The lock runs on the wall clock (other processes judge its heartbeat), not on `now`.
  const holder = await syncs.acquireLock(lockId, new Date(), staleMs);
  if (holder) {
    throw new RioSyncBusyError(`another RIO sync (${holder.syncId}, alive at ${holder.at.toISOString()}) is running; try again when it has finished`);
  }
  const controller = new AbortController();
  const maxMs = config.maxDurationMs ?? 30 * 60_000;
  const deadline = setTimeout(
    () => controller.abort(new GiveUp(`gave up: fetching took longer than the limit of ${Math.round(maxMs / 1000)} s`)),
    maxMs,
  );
  const onStop = () => controller.abort(new Interrupted('stopped before it finished (the service stopped or the command was interrupted)'));
  if (options.signal?.aborted) onStop();
  options.signal?.addEventListener('abort', onStop, { once: true });
  const heartbeat = setInterval(() => {
    syncs
      .heartbeat(lockId, new Date())
      .then((mine) => {
        if (!mine) controller.abort(new Error('lost the sync lock (another sync took it over as stale)'));
      })
      .catch((err: unknown) => log?.warn({ err }, 'RIO sync: could not refresh the lock'));
  }, Math.max(50, Math.floor(staleMs / 4)));

  const referenceDate = options.referenceDate ?? todayInNetherlands(started);
  let run: RioSyncRunDocument | null = null;
  let resumedPages = 0;
  const client = rioApiClient(config, controller.signal, (r) => log?.info({ url: r.url, attempt: r.attempt, waitMs: r.waitMs, reason: r.reason }, 'RIO API: retrying'));

  try {
    // Continue the last sync when it stopped before its import and describes the same date.
    const [last] = await syncs.latestRuns(1);
    if (last && RESUMABLE.has(last.outcome) && last.referenceDate === referenceDate && last.pageSize === pageSize && last.apiUrl === apiUrl) {
      run = { ...last, attempts: last.attempts + 1, lastAttemptStartedAt: started, finishedAt: null, outcome: 'RUNNING', requests: 0, retries: 0, error: null, trigger: options.trigger };
      await syncs.updateRun(run.syncId, run);
    } else {
      run = {
        syncId: lockId,
        trigger: options.trigger,
        apiUrl,
        startedAt: started,
        lastAttemptStartedAt: started,
        finishedAt: null,
        outcome: 'RUNNING',
        attempts: 1,
        referenceDate,
        pageSize,
        pagesFetched: 0,
        pagesTotal: null,
        requests: 0,
        retries: 0,
        importId: null,
        counts: null,
        rejected: 0,
        rejections: [],
        error: null,
      };
      await syncs.insertRun(run);
    }
    const current: RioSyncRunDocument = run;
    options.onRun?.(current);
    await syncs.dropPagesExcept(current.syncId);

    // Fetch: the first page of each collection says how many there are; then the rest.
    const stored = await syncs.storedPages(current.syncId);
    resumedPages = [...stored.values()].reduce((n, s) => n + s.pages.size, 0);
    if (resumedPages) log?.info({ syncId: current.syncId, pages: resumedPages }, 'RIO sync: continuing an earlier attempt');
    const totals = new Map<RioResource, number>();
    for (const r of RIO_RESOURCES) {
      const s = stored.get(r);
      if (s) totals.set(r, s.totalPages);
    }
    let fetched = resumedPages;
    const total = () => (totals.size === RIO_RESOURCES.length ? [...totals.values()].reduce((a, b) => a + b, 0) : fetched + 1);
    const fetchAndStore = async (resource: RioResource, page: number) => {
      let result = await client.page(resource, page, pageSize, { datumGeldigOp: referenceDate });
      if (!result) {
        if (!OPTIONAL_RESOURCES.has(resource)) throw new RioApiError(`the RIO API does not serve ${resource} (404)`, 404);
        result = { resource, page: 0, totalPages: 1, totalElements: 0, items: [] };
      }
      const totalPages = Math.max(1, result.totalPages);
      await syncs.savePage({
        _id: `${current.syncId}:${resource}:${page}`,
        syncId: current.syncId,
        resource,
        page,
        totalPages,
        totalElements: result.totalElements,
        items: JSON.stringify(result.items),
        fetchedAt: new Date(),
      });
      totals.set(resource, totalPages);
      fetched++;
      options.onPage?.({ resource, page });
      // The total is known once every collection's first page is in.
      if (totals.size === RIO_RESOURCES.length) progress({ phase: 'fetching', done: fetched, total: total() });
    };
    await pool(
      RIO_RESOURCES.filter((r) => !stored.get(r)?.pages.has(0)).map((r) => () => fetchAndStore(r, 0)),
      config.concurrency ?? 4,
      controller,
    );
    const rest: (() => Promise<void>)[] = [];
    for (const r of RIO_RESOURCES) {
      for (let p = 1; p < totals.get(r)!; p++) if (!stored.get(r)?.pages.has(p)) rest.push(() => fetchAndStore(r, p));
    }
    current.pagesTotal = total();
    await syncs.updateRun(current.syncId, { pagesTotal: current.pagesTotal, pagesFetched: fetched });
    await pool(rest, config.concurrency ?? 4, controller);
    current.pagesFetched = fetched;
    current.requests = client.requests;
    current.retries = client.retries;
    await syncs.updateRun(current.syncId, { pagesFetched: fetched, requests: client.requests, retries: client.retries });
    if (controller.signal.aborted) throw controller.signal.reason as Error;

    // Import: the pages become one snapshot that goes through the RIO import's rules.
    progress({ phase: 'importing', done: 0, total: 1 });
    const items = Object.fromEntries(RIO_RESOURCES.map((r) => [r, [] as unknown[]])) as CollectedItems;
    const sizes = new Map<string, Set<number>>();
    for (const page of await syncs.loadPages(current.syncId)) {
      items[page.resource as RioResource]?.push(...(JSON.parse(page.items) as unknown[]));
      sizes.set(page.resource, (sizes.get(page.resource) ?? new Set()).add(page.totalElements));
    }
    checkConsistent(items, sizes);
    const report = await importRio(
      repository,
      { name: `RIO API ${apiUrl}`, read: (known) => snapshotFromApi(items, config.apiUrl, known, { syncedAt: current.startedAt, referenceDate }) },
      { mode: 'full', referenceDate, syncedAt: current.startedAt, now, ...(config.maxEnded !== undefined ? { maxEnded: config.maxEnded } : {}) },
    );
    const done: Partial<RioSyncRunDocument> = {
      outcome: report.rejected ? 'SUCCEEDED_WITH_REJECTIONS' : 'SUCCEEDED',
      finishedAt: now(),
      importId: report.importId,
      counts: countsOf(report),
      rejected: report.rejected,
      rejections: report.rejections.slice(0, MAX_REJECTIONS_KEPT).map((r) => ({
        record: r.record,
        field: r.field,
        value: r.value === undefined ? null : JSON.stringify(r.value),
        reason: r.reason,
      })),
    };
    Object.assign(current, done);
    await syncs.updateRun(current.syncId, done);
    // The import is done: its pages are no longer needed.
    await syncs.dropPagesExcept(null);
    progress({ phase: 'done', done: 1, total: 1 });
    log?.info({ syncId: current.syncId, counts: current.counts }, 'RIO sync finished');
    return { run: current, report, resumedPages };
  } catch (err) {
    const reason = controller.signal.aborted ? (controller.signal.reason as Error) : (err as Error);
    const outcome = reason instanceof GiveUp ? 'GAVE_UP' : reason instanceof Interrupted ? 'INTERRUPTED' : 'FAILED';
    if (!(reason instanceof GiveUp || reason instanceof Interrupted || reason instanceof RioApiError)) {
      log?.error({ err: reason }, 'RIO sync failed');
    }
    if (!run) throw err;
    // Pages that do not fit together are no use to the next attempt: it fetches afresh.
    if (reason instanceof InconsistentPages) await syncs.dropPagesExcept(null);
    const stoppedAt = await syncs.storedPages(run.syncId).then((s) => [...s.values()].reduce((n, p) => n + p.pages.size, 0));
    const failed: Partial<RioSyncRunDocument> = {
      outcome,
      finishedAt: now(),
      pagesFetched: stoppedAt,
      requests: client.requests,
      retries: client.retries,
      error: `${reason.message}${reason instanceof InconsistentPages ? '' : `; ${stoppedAt} of ${run.pagesTotal ?? '?'} pages are stored, the next sync continues from there`}`,
    };
    Object.assign(run, failed);
    await syncs.updateRun(run.syncId, failed);
    log?.warn({ syncId: run.syncId, outcome, error: failed.error }, 'RIO sync did not finish');
    return { run, report: null, resumedPages };
  } finally {
    clearTimeout(deadline);
    clearInterval(heartbeat);
    options.signal?.removeEventListener('abort', onStop);
    await syncs.releaseLock(lockId);
  }
}

class InconsistentPages extends Error {
  override name = 'InconsistentPages';
}

/**
 * The pages of each collection must fit together: the same total on every page, and as many
 * items as that total. Otherwise RIO changed while the pages were fetched (items shift between
 * pages): importing would miss organisations, and a full snapshot would end them.
 */
function checkConsistent(items: CollectedItems, sizes: Map<string, Set<number>>): void {
  const selfOf = (item: unknown, index: number): string => {
    const links = (item as { _links?: { self?: { href?: unknown } } } | null)?._links;
    return typeof links?.self?.href === 'string' ? links.self.href : `#${index}`;
  };
  for (const resource of RIO_RESOURCES) {
    const totals = [...(sizes.get(resource) ?? [])];
    const distinct = new Set(items[resource].map(selfOf)).size;
    if (totals.length > 1 || (totals.length === 1 && (totals[0] !== items[resource].length || distinct !== items[resource].length))) {
      throw new InconsistentPages(
        `RIO changed while the pages were fetched (${resource}: ${totals.join(' then ')} items announced, ${items[resource].length} received, ${distinct} distinct); ` +
          'nothing was imported and the pages were dropped: the next sync fetches afresh',
      );
    }
  }
}

/** Runs tasks, `size` at a time; the first failure stops the rest (through the controller). */
async function pool(tasks: (() => Promise<void>)[], size: number, controller: AbortController): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < tasks.length && failure === null && !controller.signal.aborted) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (err) {
        failure ??= err;
        if (!controller.signal.aborted) controller.abort(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, tasks.length)) }, worker));
  if (failure !== null) throw failure;
  if (controller.signal.aborted) throw controller.signal.reason as Error;
}

/**
 * The sync inside the organisations service: on a schedule (every `scheduleMinutes`, off when
 * 0 or absent) and on demand (support's mutation), one at a time, stopped with the service.
 * The schedule is kept by the store, not by the process: shortly after start and then every
 * minute, a sync starts when the last one began `scheduleMinutes` ago or longer (or never
 * ran), so restarts neither skip nor repeat syncs, and of several replicas the lock lets one
 * run.
 */
export class RioSyncService {
  private timer: NodeJS.Timeout | null = null;
  private firstCheck: NodeJS.Timeout | null = null;
  private current: Promise<RioSyncResult | null> | null = null;
  private readonly stopping = new AbortController();

  constructor(
    private readonly repository: OrganisationsRepository,
    private readonly syncs: RioSyncRepository,
    private readonly config: RioSyncConfig | null,
    private readonly scheduleMinutes: number,
    private readonly logger: Logger,
    private readonly timing: { firstCheckMs?: number; checkEveryMs?: number } = {},
  ) {}

  get configured(): boolean {
    return this.config !== null;
  }

  start(): void {
    if (!this.config || !(this.scheduleMinutes > 0)) return;
    const check = () => {
      if (this.current || this.stopping.signal.aborted) return;
      this.due()
        .then((due) => (due ? this.trigger('SCHEDULE') : null))
        .catch((err: unknown) => {
          if (err instanceof RioSyncBusyError) this.logger.info(err.message);
          else this.logger.warn({ err }, 'scheduled RIO sync could not start');
        });
    };
    this.firstCheck = setTimeout(check, this.timing.firstCheckMs ?? 5_000);
    this.firstCheck.unref();
    this.timer = setInterval(check, this.timing.checkEveryMs ?? Math.min(this.scheduleMinutes, 1) * 60_000);
    this.timer.unref();
  }

  /** Whether the schedule asks for a sync now: the last attempt began an interval ago or more. */
  private async due(): Promise<boolean> {
    const [last] = await this.syncs.latestRuns(1);
    return !last || Date.now() - last.lastAttemptStartedAt.getTime() >= this.scheduleMinutes * 60_000;
  }

  /**
   * Starts a sync in the background; resolves with its run once recorded. Rejects with
   * RioSyncBusyError when one is running (here or in another replica).
   */
  trigger(trigger: RioSyncTrigger): Promise<RioSyncRunDocument> {
    if (!this.config) return Promise.reject(new Error('the RIO sync is not configured (RIO_API_URL)'));
    if (this.current) return Promise.reject(new RioSyncBusyError('a RIO sync is running in this service; try again when it has finished'));
    const config = this.config;
    return new Promise<RioSyncRunDocument>((resolve, reject) => {
      const job = runRioSync(this.repository, this.syncs, config, {
        trigger,
        signal: this.stopping.signal,
        logger: this.logger,
        onRun: resolve,
      })
        .then((result) => {
          resolve(result.run);
          return result;
        })
        .catch((err: unknown) => {
          reject(err as Error);
          return null;
        })
        .finally(() => {
          this.current = null;
        });
      this.current = job;
    });
  }

  async status(): Promise<RioSyncStatusView> {
    const staleMs = this.config?.lockStaleMs ?? 120_000;
    const [runs, lastSuccess, running] = await Promise.all([
      this.syncs.latestRuns(10),
      this.syncs.lastSuccess(),
      this.syncs.runningSync(new Date(), staleMs),
    ]);
    // A run still marked RUNNING without a live lock was stopped by a crash.
    const shown = runs.map((r) => (r.outcome === 'RUNNING' && !running ? { ...r, outcome: 'INTERRUPTED' as const } : r));
    return {
      configured: this.configured,
      scheduleMinutes: this.config && this.scheduleMinutes > 0 ? this.scheduleMinutes : null,
      running: running !== null,
      lastRun: shown[0] ?? null,
      lastSuccess,
      recentRuns: shown,
    };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.firstCheck) clearTimeout(this.firstCheck);
    this.stopping.abort();
    await this.current;
  }
}
