/**
 * Results of the aggregates' database queries, kept across requests while the data they
 * were computed from is unchanged.
 *
 * Every entry remembers the change-mark token (see @osr/common change-mark.ts) it read
 * *before* its query ran. A request reads the current token (one lookup by _id) and gets the
 * entry's rows when the tokens are equal: no write has been acknowledged since, so the rows
 * are what the query would return now. Otherwise the query runs again (one run per key and
 * token however many requests wait for it). The rows are group rows (counts per group), never
 * the documents; an entry's key names the query.
 *
 * On FerretDB every aggregation reads the whole collection (seconds for the national set),
 * so `refresh` recomputes, in the background, the entries that were used recently when the
 * token has moved on: an analyst's next question is answered from memory instead of waiting
 * for the scan. On MongoDB the same queries take milliseconds; the cache costs nothing there.
 */
import type { Logger } from '@osr/common';

export interface ResultCacheOptions {
  /** Entries kept at most (least recently used are dropped first). */
  maxEntries?: number;
  /** An entry not asked for in this long is neither refreshed nor kept. */
  keepWarmMs?: number;
  now?: () => number;
  logger?: Logger;
  /** For logs: what the cache holds. */
  name?: string;
}

interface Entry {
  compute: () => Promise<unknown>;
  lastUsed: number;
  /** The token `value` was computed under (undefined while there is none). */
  token?: string;
  value?: unknown;
  /** Sequence number of the computation that produced `value` (later starts win). */
  seq: number;
  pending?: { token: string; seq: number; promise: Promise<unknown> };
}

export interface CacheStats {
  hits: number;
  misses: number;
  joined: number;
  refreshed: number;
  entries: number;
}

export class ResultCache {
  private readonly entries = new Map<string, Entry>();
  private started = 0;
  private readonly maxEntries: number;
  private readonly keepWarmMs: number;
  private readonly now: () => number;
  readonly stats: CacheStats = { hits: 0, misses: 0, joined: 0, refreshed: 0, entries: 0 };

  constructor(
    /** The current change-mark token of the data the entries are computed from. */
    private readonly readToken: () => Promise<string>,
    private readonly options: ResultCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 64;
    this.keepWarmMs = options.keepWarmMs ?? 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  /** The query's result under the current token: from memory, from a run in progress, or run now. */
  async get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const token = await this.readToken();
    return this.resolve(key, compute, token, true) as Promise<T>;
  }

  /**
   * Registers a query to keep warm without waiting for it (e.g. at start): the next
   * `refresh` computes it unless a request has done so first.
   */
  keepWarm(key: string, compute: () => Promise<unknown>): void {
    if (this.entries.has(key)) return;
    this.entries.set(key, { compute, lastUsed: this.now(), seq: 0 });
    this.evict();
  }

  /**
   * Recomputes, one after the other, the entries used within keepWarmMs whose token is not
   * the current one; drops the entries not used for longer. Returns how many it recomputed.
   * A failed recomputation is logged and left for the next request or refresh.
   */
  async refresh(): Promise<number> {
    const now = this.now();
    for (const [key, entry] of this.entries) if (now - entry.lastUsed > this.keepWarmMs && !entry.pending) this.entries.delete(key);
    this.stats.entries = this.entries.size;
    let done = 0;
    for (const [key, entry] of [...this.entries]) {
      // The token is read again per entry: a write during a long refresh is seen at once.
      const token = await this.readToken();
      if (entry.token === token || entry.pending?.token === token) continue;
      try {
        await this.resolve(key, entry.compute, token, false);
        done++;
        this.stats.refreshed++;
      } catch (err) {
        this.options.logger?.warn({ err, cache: this.options.name, key }, 'recomputing a cached aggregate failed; the next request tries again');
      }
    }
    return done;
  }

  /**
   * Whether every kept query has rows for the current token (none stale, none running): the
   * state after a refresh round with no write since. For operations and the benchmark.
   */
  async state(): Promise<{ warm: boolean; entries: number; current: number; running: number; stats: CacheStats }> {
    const token = await this.readToken();
    let current = 0;
    let running = 0;
    for (const entry of this.entries.values()) {
      if (entry.token === token) current++;
      if (entry.pending) running++;
    }
    return { warm: current === this.entries.size && running === 0, entries: this.entries.size, current, running, stats: { ...this.stats, entries: this.entries.size } };
  }

  /** Forgets every entry (tests, or an operator after writing around the marks). */
  clear(): void {
    this.entries.clear();
    this.stats.entries = 0;
  }

  private resolve(key: string, compute: () => Promise<unknown>, token: string, asked: boolean): Promise<unknown> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { compute, lastUsed: this.now(), seq: 0 };
      this.entries.set(key, entry);
      this.evict();
    }
    if (asked) {
      entry.lastUsed = this.now();
      // Map order is the LRU order: the most recently asked last.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    if (entry.token === token) {
      if (asked) this.stats.hits++;
      return Promise.resolve(entry.value);
    }
    if (entry.pending && entry.pending.token === token) {
      if (asked) this.stats.joined++;
      return entry.pending.promise;
    }
    if (asked) this.stats.misses++;
    const seq = ++this.started;
    const target = entry;
    const promise = compute().then(
      (value) => {
        if (target.pending?.seq === seq) target.pending = undefined;
        if (seq > target.seq) {
          target.seq = seq;
          target.token = token;
          target.value = value;
        }
        return value;
      },
      (err: unknown) => {
        if (target.pending?.seq === seq) target.pending = undefined;
        throw err;
      },
    );
    entry.pending = { token, seq, promise };
    // A waiting request gets the error; the cache itself must not leave it unhandled.
    promise.catch(() => undefined);
    return promise;
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.stats.entries = this.entries.size;
  }
}
