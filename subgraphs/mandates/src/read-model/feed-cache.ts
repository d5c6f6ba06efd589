/**
 * The supplier feed's change order kept in memory per system, exact after every write, so that
 * a page of `supplierMandates` is a search in a sorted list instead of reading every mandate
 * of the supplier's systems (thousands on the national set, seconds per page: FerretDB sorts
 * and limits nothing itself).
 *
 * Per system: its mandates sorted by (updatedAt, id). Exactness follows the change journal as
 * the school cache does (school-cache.ts): a request checks the journal is quiet and reads its
 * end token; changes since the list's token name each changed mandate (and its system before
 * and after), those mandates are read again by id and moved in the lists; a change without
 * details, one without a mandate id, too many changes, or a write in progress while they were
 * read makes the lists concerned be read again. A system's list is read whole the first time
 * it is asked (and kept only when the journal stayed quiet at the same token meanwhile).
 */
import type { ChangeJournal } from './change-journal.js';
import type { MandateDocument, ServiceCode } from '../documents.js';

export interface FeedCacheReaders {
  /** every mandate naming the system */
  ofSystem(systemId: string): Promise<MandateDocument[]>;
  /** these mandates by id (those that exist) */
  byIds(ids: readonly string[]): Promise<MandateDocument[]>;
}

export interface FeedPageOptions {
  systemIds: readonly string[];
  service: ServiceCode | null;
  /** only mandates changed after this moment (ms) */
  since: number | null;
  /** the keyset position: after (t, id) */
  after: { t: number; id: string } | null;
  limit: number;
}

/** Changes folded in at most this many at a time; more: the lists are read again. */
const MAX_FOLD = 2_000;

const order = (a: MandateDocument, b: MandateDocument) => a.updatedAt.getTime() - b.updatedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The first index in `list` whose (t, id) comes after the position. */
function firstAfter(list: readonly MandateDocument[], t: number, id: string | null): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = list[mid]!;
    const mt = m.updatedAt.getTime();
    if (mt < t || (mt === t && (id === null || m.id <= id))) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class FeedCache {
  private token: string | null = null;
  private readonly lists = new Map<string, MandateDocument[]>();
  private bringing: Promise<void> | null = null;
  private readonly counts = { hits: 0, loads: 0, folded: 0, cleared: 0, busy: 0 };

  constructor(
    private readonly journal: ChangeJournal,
    private readonly readers: FeedCacheReaders,
  ) {}

  stats() {
    return { systems: this.lists.size, mandates: [...this.lists.values()].reduce((n, l) => n + l.length, 0), token: this.token, ...this.counts };
  }

  /** One page in change order over these systems, or null when a write is in progress (the caller reads the database). */
  async page(options: FeedPageOptions): Promise<MandateDocument[] | null> {
    const before = await this.journal.quiet();
    if (!before.quiet) {
      this.counts.busy++;
      return null;
    }
    await this.bringTo(before.token);
    const lists: MandateDocument[][] = [];
    for (const systemId of new Set(options.systemIds)) {
      let list = this.lists.get(systemId);
      if (!list) {
        this.counts.loads++;
        list = (await this.readers.ofSystem(systemId)).map((m) => Object.freeze({ ...m })).sort(order);
        const after = await this.journal.quiet();
        if (!after.quiet || after.token !== before.token || this.token !== before.token) return null;
        this.lists.set(systemId, list);
      } else this.counts.hits++;
      lists.push(list);
    }
    // From each list the first `limit` that match after the position, then merged.
    const startT = Math.max(options.after?.t ?? -Infinity, options.since ?? -Infinity);
    const startId = options.after && options.after.t > (options.since ?? -Infinity) ? options.after.id : null;
    const picked: MandateDocument[] = [];
    for (const list of lists) {
      let taken = 0;
      for (let i = startT === -Infinity ? 0 : firstAfter(list, startT, startId); i < list.length && taken < options.limit; i++) {
        const m = list[i]!;
        if (options.service && m.serviceCode !== options.service) continue;
        picked.push(m);
        taken++;
      }
    }
    return picked.sort(order).slice(0, options.limit);
  }

  /** Folds in the changes between the lists' token and `token`; one at a time. */
  private async bringTo(token: string): Promise<void> {
    while (this.bringing) await this.bringing;
    if (this.token === token) return;
    this.bringing = this.fold(token).finally(() => {
      this.bringing = null;
    });
    await this.bringing;
  }

  private async fold(token: string): Promise<void> {
    const from = this.token;
    this.token = token;
    if (from === null || this.lists.size === 0) return this.clear();
    const since = await this.journal.since(from);
    if (since === null || since.changes.length > MAX_FOLD || since.changes.some((c) => !c.mandateId)) return this.clear();
    const ids = new Set<string>();
    const systems = new Set<string>();
    for (const change of since.changes) {
      const touched = [change.before?.systemId, change.after?.systemId].filter((s): s is string => !!s && this.lists.has(s));
      if (!touched.length) continue;
      ids.add(change.mandateId!);
      for (const s of touched) systems.add(s);
    }
    if (!ids.size) return;
    // Read again as they are now: exact only if nothing was written meanwhile (else read those lists again later).
    const now = await this.readers.byIds([...ids]);
    const after = await this.journal.quiet();
    if (!after.quiet || after.token !== since.token) {
      for (const s of systems) this.lists.delete(s);
      return;
    }
    this.token = since.token;
    for (const s of systems) {
      const list = this.lists.get(s)!.filter((m) => !ids.has(m.id));
      for (const m of now) if (m.systemId === s) list.splice(firstAfter(list, m.updatedAt.getTime(), m.id), 0, Object.freeze({ ...m }));
      this.lists.set(s, list);
    }
    this.counts.folded += ids.size;
  }

  private clear(): void {
    if (this.lists.size) this.counts.cleared++;
    this.lists.clear();
  }
}
