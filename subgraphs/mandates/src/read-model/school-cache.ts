/**
 * Each school's mandates and aanleverpunten kept in memory, exact after every write, so that a
 * board's headline costs the same number of database round trips for 85 schools as for 5:
 * without it every school is one equality find per collection.
 *
 * Exactness follows the change journal (change-journal.ts), as the aggregates' cache does:
 * - A request first asks the journal whether it is quiet (no write in progress) and for its
 *   end token T (three small finds). Not quiet: the request reads the database and keeps
 *   nothing.
 * - When T is not the token the cache was last brought to, the changes since are read and the
 *   schools they touch are dropped (every writer of mandates records the school of each change,
 *   before and after); a change without details (a bulk load, the migration's aanleverpunten, a
 *   repair) or a chain too long or pruned empties the cache.
 * - Schools not in memory are read from the database; what was read is kept only when the
 *   journal is still quiet at T afterwards (a write that started meanwhile would show as an
 *   intent or a new token), and the cache is still at T.
 * A write that starts after the quiet check may be missed by this one request: it is answered
 * as of that check, the same as a request that came a moment earlier.
 *
 * Each replica keeps its own memory; the journal is in the database, so every replica follows
 * every other's writes. Kept documents are frozen (a resolver that changed one would change
 * what later requests see). The least recently asked schools go first beyond `maxSchools`.
 */
import type { AanleverpuntDocument, MandateDocument } from '../documents.js';
import type { ChangeJournal } from './change-journal.js';

export interface SchoolCacheReaders {
  /** every mandate of one school (one equality find) */
  mandates(brin: string): Promise<MandateDocument[]>;
  /** every aanleverpunt of one school (one equality find) */
  aanleverpunten(brin: string): Promise<AanleverpuntDocument[]>;
  /** many schools at once, with a bounded concurrency */
  each<T>(brins: readonly string[], read: (brin: string) => Promise<T[]>): Promise<Map<string, T[]>>;
}

export interface SchoolCacheStats {
  schools: number;
  token: string | null;
  hits: number;
  misses: number;
  /** requests answered from the database because a write was in progress */
  busy: number;
  /** times the cache was emptied (a change without details, or too many since) */
  cleared: number;
  /** schools dropped because a change touched them */
  dropped: number;
}

type Kind = 'mandates' | 'aanleverpunten';

export class SchoolCache {
  private token: string | null = null;
  private bringing: Promise<void> | null = null;
  private readonly kept: Record<Kind, Map<string, readonly unknown[]>> = { mandates: new Map(), aanleverpunten: new Map() };
  private readonly counts = { hits: 0, misses: 0, busy: 0, cleared: 0, dropped: 0 };

  constructor(
    private readonly journal: ChangeJournal,
    private readonly readers: SchoolCacheReaders,
    private readonly maxSchools = 20_000,
  ) {}

  mandatesOf(brins: readonly string[]): Promise<Map<string, MandateDocument[]>> {
    return this.read('mandates', brins, this.readers.mandates) as Promise<Map<string, MandateDocument[]>>;
  }

  aanleverpuntenOf(brins: readonly string[]): Promise<Map<string, AanleverpuntDocument[]>> {
    return this.read('aanleverpunten', brins, this.readers.aanleverpunten) as Promise<Map<string, AanleverpuntDocument[]>>;
  }

  stats(): SchoolCacheStats {
    return { schools: this.kept.mandates.size + this.kept.aanleverpunten.size, token: this.token, ...this.counts };
  }

  private async read<T>(kind: Kind, brins: readonly string[], readOne: (brin: string) => Promise<T[]>): Promise<Map<string, T[]>> {
    const unique = [...new Set(brins)];
    const before = await this.journal.quiet();
    if (!before.quiet) {
      this.counts.busy++;
      return this.readers.each(unique, readOne);
    }
    await this.bringTo(before.token);
    const kept = this.kept[kind];
    const out = new Map<string, T[]>();
    const missing: string[] = [];
    for (const brin of unique) {
      const docs = kept.get(brin);
      if (docs === undefined) {
        missing.push(brin);
        continue;
      }
      // the least recently asked go first: asking moves a school to the end
      kept.delete(brin);
      kept.set(brin, docs);
      out.set(brin, docs as T[]); // frozen: no caller can change what is kept
    }
    this.counts.hits += unique.length - missing.length;
    if (missing.length === 0) return out;
    this.counts.misses += missing.length;
    const read = await this.readers.each(missing, readOne);
    const after = await this.journal.quiet();
    const keep = after.quiet && after.token === before.token && this.token === before.token;
    for (const brin of missing) {
      const docs = read.get(brin) ?? [];
      out.set(brin, docs);
      if (!keep) continue;
      kept.set(brin, Object.freeze(docs.map((d) => Object.freeze({ ...d }))));
      if (kept.size > this.maxSchools) kept.delete(kept.keys().next().value as string);
    }
    return out;
  }

  /**
   * Drops what changed between the cache's token and `token` (or everything, when that is not
   * known). One at a time: a request must not answer from entries another is still dropping.
   */
  private async bringTo(token: string): Promise<void> {
    while (this.bringing) await this.bringing;
    if (this.token === token) return;
    this.bringing = this.drop(token).finally(() => {
      this.bringing = null;
    });
    await this.bringing;
  }

  private async drop(token: string): Promise<void> {
    const from = this.token;
    this.token = token;
    if (from === null || (this.kept.mandates.size === 0 && this.kept.aanleverpunten.size === 0)) return this.clear();
    const since = await this.journal.since(from);
    if (since === null) return this.clear();
    // (`since` may run past `token`: dropping more than needed is harmless)
    for (const change of since.changes) {
      for (const facts of [change.before, change.after]) {
        if (!facts?.brin) continue;
        for (const kept of Object.values(this.kept)) if (kept.delete(facts.brin)) this.counts.dropped++;
      }
    }
  }

  private clear(): void {
    if (this.kept.mandates.size || this.kept.aanleverpunten.size) this.counts.cleared++;
    this.kept.mandates.clear();
    this.kept.aanleverpunten.clear();
  }
}
