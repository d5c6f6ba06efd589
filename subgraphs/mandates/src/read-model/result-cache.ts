/**
 * Results of the read model's aggregate queries (aggregates.ts), kept across requests while
 * the data they were computed from is unchanged, and brought forward by the changes since.
 *
 * Every entry remembers the token of the data's change journal (change-journal.ts) it was
 * computed under. A request reads the current token (a lookup or two by _id) and gets the
 * entry's rows when the tokens are equal. When they differ and the entry was computed while no
 * write was in progress (exact), and its query can add changes (`fold`), the changes since are
 * read from the journal and added in memory: a write costs one small read instead of the query
 * again. Otherwise the query runs again (one run per key and token however many requests wait
 * for it). The rows are group rows (counts per group), never the documents; an entry's key
 * names the query.
 *
 * On FerretDB every aggregation reads the whole collection (seconds for the national set),
 * so `refresh` also brings forward (or recomputes), in the background, the entries used
 * recently: an analyst's next question is answered from memory instead of waiting for the
 * scan. With `MANDATES_READ_MODEL=database` nothing is kept: the database answers each query.
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

/** Where the tokens (and the changes between them) come from. */
export interface ChangeSource<C> {
  /** the current token */
  head(): Promise<string>;
  /** whether no write is in progress, then the current token (read in that order) */
  quiet(): Promise<{ token: string; quiet: boolean }>;
  /** the changes from the token to the current one; null when not all are known */
  since(token: string): Promise<{ token: string; changes: C[] } | null>;
}

/** A source that has tokens only: every change means computing again. */
function tokensOnly<C>(readToken: () => Promise<string>): ChangeSource<C> {
  return {
    head: readToken,
    quiet: async () => ({ token: await readToken(), quiet: false }),
    since: async () => null,
  };
}

/** Adds changes to a kept result; must not modify `value` (other requests may hold it). */
export type Fold<T, C> = (value: T, changes: readonly C[]) => T;

/**
 * A result kept elsewhere (e.g. stored by an earlier process) with the token it is exact for;
 * null when there is none. The cache brings it forward by the changes since, or computes
 * when they are not all known.
 */
export type Restore<T> = () => Promise<{ token: string; value: T } | null>;

interface Entry {
  compute: () => Promise<unknown>;
  fold?: Fold<unknown, unknown>;
  restore?: Restore<unknown>;
  lastUsed: number;
  /** The token `value` is the result for (undefined while there is none). */
  token?: string;
  value?: unknown;
  /** Computed while no write was in progress: later changes may be folded in. */
  exact: boolean;
  /** Sequence number of the computation that produced `value` (later starts win). */
  seq: number;
  pending?: { token: string; seq: number; promise: Promise<unknown> };
}

export interface CacheStats {
  hits: number;
  misses: number;
  joined: number;
  /** brought forward by the changes since (no query) */
  folded: number;
  /** taken from a kept result (`restore`) and brought forward, instead of computed */
  restored: number;
  refreshed: number;
  entries: number;
}

export class ResultCache<C = never> {
  private readonly entries = new Map<string, Entry>();
  private started = 0;
  private readonly maxEntries: number;
  private readonly keepWarmMs: number;
  private readonly now: () => number;
  readonly stats: CacheStats = { hits: 0, misses: 0, joined: 0, folded: 0, restored: 0, refreshed: 0, entries: 0 };
  private readonly source: ChangeSource<C>;

  constructor(
    /** The tokens of the data the entries are computed from (or just a function giving the current one). */
    source: ChangeSource<C> | (() => Promise<string>),
    private readonly options: ResultCacheOptions = {},
  ) {
    this.source = typeof source === 'function' ? tokensOnly(source) : source;
    this.maxEntries = options.maxEntries ?? 128;
    this.keepWarmMs = options.keepWarmMs ?? 60 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The query's result under the current token: from memory, brought forward by the changes
   * since (when `fold` is given), from a run in progress, from a kept result brought forward
   * (`restore`, with `fold`, when there is none in memory), or run now.
   */
  async get<T>(key: string, compute: () => Promise<T>, fold?: Fold<T, C>, restore?: Restore<T>): Promise<T> {
    const token = await this.source.head();
    return this.resolve(key, compute, fold as Fold<unknown, unknown> | undefined, token, true, restore) as Promise<T>;
  }

  /** What the entry holds (no query, no token read): for code that stores results elsewhere. */
  peek<T>(key: string): { token: string; value: T; exact: boolean } | null {
    const entry = this.entries.get(key);
    return entry?.token === undefined ? null : { token: entry.token, value: entry.value as T, exact: entry.exact };
  }

  /**
   * Registers a query to keep warm without waiting for it (e.g. at start): the next
   * `refresh` computes it unless a request has done so first.
   */
  keepWarm<T>(key: string, compute: () => Promise<T>, fold?: Fold<T, C>, restore?: Restore<T>): void {
    if (this.entries.has(key)) return;
    this.entries.set(key, { compute, fold: fold as Fold<unknown, unknown> | undefined, restore: restore as Restore<unknown> | undefined, lastUsed: this.now(), seq: 0, exact: false });
    this.evict();
  }

  /**
   * Brings forward or recomputes, one after the other, the entries used within keepWarmMs
   * whose token is not the current one; drops the entries not used for longer. Returns how
   * many it brought up to date.
   * A failed recomputation is logged and left for the next request or refresh.
   */
  async refresh(): Promise<number> {
    const now = this.now();
    for (const [key, entry] of this.entries) if (now - entry.lastUsed > this.keepWarmMs && !entry.pending) this.entries.delete(key);
    this.stats.entries = this.entries.size;
    let done = 0;
    for (const [key, entry] of [...this.entries]) {
      // The token is read again per entry: a write during a long refresh is seen at once.
      const token = await this.source.head();
      if (entry.token === token || entry.pending?.token === token) continue;
      try {
        await this.resolve(key, entry.compute, entry.fold, token, false, entry.restore);
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
    const token = await this.source.head();
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

  private resolve(
    key: string,
    compute: () => Promise<unknown>,
    fold: Fold<unknown, unknown> | undefined,
    token: string,
    asked: boolean,
    restore?: Restore<unknown>,
  ): Promise<unknown> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { compute, fold, restore, lastUsed: this.now(), seq: 0, exact: false };
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
    const seq = ++this.started;
    const target = entry;
    const keep = (result: { token: string; value: unknown; exact: boolean }) => {
      if (seq > target.seq) {
        target.seq = seq;
        target.token = result.token;
        target.value = result.value;
        target.exact = result.exact;
      }
      return result.value;
    };
    const run = async (): Promise<unknown> => {
      // What the entry holds now: a later change to the entry must not be folded in twice.
      const base = { token: target.token, value: target.value };
      if (fold && target.exact && base.token !== undefined) {
        const since = await this.source.since(base.token);
        if (since) {
          if (asked) this.stats.folded++;
          return keep({ token: since.token, value: fold(base.value, since.changes), exact: true });
        }
      }
      // Nothing exact in memory: a kept result exact for its token, with every change since known,
      // is as good as a computation (and costs no query); otherwise compute.
      if (fold && restore) {
        let restored: { token: string; value: unknown } | null = null;
        try {
          const kept = await restore();
          const since = kept ? await this.source.since(kept.token) : null;
          if (kept && since) restored = { token: since.token, value: fold(kept.value, since.changes) };
        } catch (err) {
          this.options.logger?.warn({ err, cache: this.options.name, key }, 'reading a kept result failed; computing it instead');
        }
        if (restored) {
          this.stats.restored++;
          return keep({ ...restored, exact: true });
        }
      }
      if (asked) this.stats.misses++;
      // without a fold exactness does not matter: the token read for the request will do
      if (!fold) return keep({ token, value: await compute(), exact: false });
      const before = await this.source.quiet();
      const value = await compute();
      const after = await this.source.quiet();
      return keep({ token: before.token, value, exact: before.quiet && after.quiet && before.token === after.token });
    };
    const promise = run().finally(() => {
      if (target.pending?.seq === seq) target.pending = undefined;
    });
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
