/**
 * The aggregates as the read model answers them (the MandateAggregates of
 * repositories/aggregates.ts): each count is one `$group` over `mandate_facts` (facts.ts),
 * kept in memory under the change journal's token and brought forward by the changes of
 * later writes (result-cache.ts), so a write does not cost a pass again; the yearly check's
 * rows are counted from the facts and kept the same way, with a copy in the database
 * (check-rows.ts) that a process which starts takes instead of reading every fact.
 *
 * FerretDB reads the whole collection for any aggregation and its `$group` compares every
 * document with every group found so far; so the background refresh keeps the common
 * questions and those asked lately up to date, and an analyst's question is answered from
 * memory instead of waiting for a scan.
 */
import type { Collection } from 'mongodb';
import type { Logger } from '@osr/common';
import type { MandateDocument } from '../documents.js';
import { groupCount, type CheckRow, type CountField, type CountQuery, type CountRow, type MandateAggregates, type MandateMatch } from '../repositories/aggregates.js';
import type { ChangeJournal, MandateDelta } from './change-journal.js';
import { computeCheckRows, foldCheckRows, type KeptCheckRows } from './check-rows.js';
import type { MandateFacts, MandateFactsDocument } from './facts.js';
import { ResultCache, type Fold } from './result-cache.js';

const ROWS_KEY = 'mandate check rows';
/** How often at most a process stores its check rows when they changed. */
const KEEP_ROWS_EVERY_MS = 5 * 60 * 1000;

/** Whether one mandate's facts match: what repositories/aggregates.ts filterOf asks of the database. */
function matches(match: MandateMatch, f: MandateFacts): boolean {
  return (
    (!match.board || f.boardNummer === match.board) &&
    (!match.services || match.services.includes(f.serviceCode)) &&
    (!match.startsAfter || f.startDate > match.startsAfter) &&
    (!match.endedBefore || (f.endDate !== null && f.endDate < match.endedBefore))
  );
}

/** Adds the changes to a count's rows: −1 for a mandate's facts before, +1 after, where they match. */
function foldCounts(fields: readonly CountField[], match: MandateMatch): Fold<CountRow[], MandateDelta> {
  const keyOf = (id: CountRow['_id']) => JSON.stringify(fields.map((f) => id[f] ?? null));
  return (rows, changes) => {
    const byKey = new Map(rows.map((r) => [keyOf(r._id), r]));
    const add = (facts: MandateFacts | null, n: number) => {
      if (!facts || !matches(match, facts)) return;
      const id = Object.fromEntries(fields.map((f) => [f, facts[f] ?? null]));
      const k = keyOf(id);
      const row = byKey.get(k);
      byKey.set(k, { _id: row?._id ?? id, count: (row?.count ?? 0) + n });
    };
    for (const change of changes) {
      add(change.before, -1);
      add(change.after, 1);
    }
    return [...byKey.values()].filter((r) => r.count !== 0);
  };
}

/** Fields and match in one order, so that the same question is one kept result. */
function normalised({ fields, match }: CountQuery): CountQuery & { key: string } {
  const sorted = [...new Set(fields)].sort();
  const m: MandateMatch = {
    board: match.board ?? null,
    services: match.services ? [...new Set(match.services)].sort() : null,
    startsAfter: match.startsAfter ?? null,
    endedBefore: match.endedBefore ?? null,
  };
  return { fields: sorted, match: m, key: JSON.stringify({ q: 'count', fields: sorted, match: m }) };
}

export class KeptAggregates implements MandateAggregates {
  /** The counts (and the inactive aanleverpunten), kept and brought forward by the journal. */
  readonly counts: ResultCache<MandateDelta>;
  /** The yearly check's rows, the same way (their own entry: it is warm from the start). */
  readonly checks: ResultCache<MandateDelta>;
  private keptAt: { token: string; at: number } | null = null;
  private readonly logger?: Logger;

  constructor(
    journal: ChangeJournal,
    private readonly facts: Collection<MandateFactsDocument>,
    private readonly keptRows: KeptCheckRows,
    private readonly database: Pick<MandateAggregates, 'schoolsWithInactive'>,
    options: { logger?: Logger; now?: () => number } = {},
  ) {
    this.logger = options.logger;
    this.counts = new ResultCache(journal, { name: 'mandate aggregates', ...options });
    this.checks = new ResultCache(journal, { name: 'mandate check', ...options });
  }

  countMandates(fields: readonly CountField[], match: MandateMatch): Promise<CountRow[]> {
    const q = normalised({ fields, match });
    return this.counts.get(q.key, this.computeCount(q), foldCounts(q.fields, q.match));
  }

  /** Aanleverpunten are written only as changes not known exactly: computed again after each. */
  schoolsWithInactive(kind: 'OV' | 'SWV'): Promise<string[]> {
    return this.counts.get(JSON.stringify({ q: 'inactive aanleverpunten', kind }), () => this.database.schoolsWithInactive(kind), (brins) => brins);
  }

  checkRows(): Promise<CheckRow[]> {
    return this.checks.get(ROWS_KEY, this.computeRows, foldCheckRows, this.restoreRows);
  }

  private computeCount(q: CountQuery): () => Promise<CountRow[]> {
    // the facts hold every field a count takes, under the mandates' names
    return () => groupCount(this.facts as unknown as Collection<MandateDocument>, q.fields, q.match);
  }

  private readonly computeRows = () => computeCheckRows(this.facts);
  private readonly restoreRows = () => this.keptRows.load();

  /**
   * Brings the check rows into memory before the first request (the server awaits this at its
   * start): from the stored copy brought forward, or computed from the facts and stored at
   * once (the first start after a load around the store without its repair). So the first
   * progress question after a start never waits for the read of every mandate's facts.
   */
  async prepare(): Promise<void> {
    await this.checkRows();
    await this.keepRows();
  }

  /**
   * One background round: registers the common counts (and the inactive aanleverpunten, and
   * the check rows) to be kept, then brings forward or recomputes, one after the other, every
   * kept result used lately whose token is old; then stores the check rows when they changed.
   * Returns how many results it brought up to date.
   */
  async refresh(common: readonly CountQuery[]): Promise<number> {
    this.checks.keepWarm(ROWS_KEY, this.computeRows, foldCheckRows, this.restoreRows);
    for (const query of common) {
      const q = normalised(query);
      this.counts.keepWarm(q.key, this.computeCount(q), foldCounts(q.fields, q.match));
    }
    for (const kind of ['OV', 'SWV'] as const) this.counts.keepWarm(JSON.stringify({ q: 'inactive aanleverpunten', kind }), () => this.database.schoolsWithInactive(kind), (brins: string[]) => brins);
    // the check rows first: usually taken from their stored copy
    const done = (await this.checks.refresh()) + (await this.counts.refresh());
    await this.keepRows().catch((err: unknown) => this.logger?.warn({ err }, 'storing the mandate check rows failed; the next round tries again'));
    return done;
  }

  /**
   * Stores the check rows held in memory (check-rows.ts) when they are exact, differ from the
   * stored copy and this process did not store any in the last five minutes. Returns whether
   * it stored them.
   */
  async keepRows(now = Date.now()): Promise<boolean> {
    const held = this.checks.peek<CheckRow[]>(ROWS_KEY);
    if (!held?.exact || held.token === this.keptAt?.token) return false;
    if (this.keptAt && now - this.keptAt.at < KEEP_ROWS_EVERY_MS) return false;
    if ((await this.keptRows.token()) === held.token) {
      // stored already (by another process, or the copy these rows were taken from)
      this.keptAt = { token: held.token, at: now };
      return false;
    }
    await this.keptRows.save(held.token, held.value);
    this.keptAt = { token: held.token, at: now };
    return true;
  }

  /** Whether every kept result is current (GET /analytics/cache). */
  async state() {
    const [aggregates, mandateCheck] = await Promise.all([this.counts.state(), this.checks.state()]);
    return { warm: aggregates.warm && mandateCheck.warm, aggregates, mandateCheck };
  }
}
