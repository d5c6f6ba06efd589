/**
 * The analytics benchmark's reference answers: every figure computed again in plain
 * TypeScript from the documents as stored, following the semantics in docs/analytics.md: read
 * through each package's documented entry, never by collection: the mandates through the
 * mandates package's reader (its repositories' queries, never its read model), the register
 * and the agreements page by page through their repositories. Deliberately independent of the
 * subgraphs' analytics code (nothing imported from it): the point is a second opinion.
 */
import { connectDatabase, databaseName, type Database } from '@osr/common';
import { AgreementsRepository } from '@osr/subgraph-agreements/repository';
import { MandatesReader } from '@osr/subgraph-mandates/bulk';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';

export type Status = 'PLANNED' | 'ACTIVE' | 'ENDED';
export type Dimension = 'SERVICE' | 'STATUS' | 'SYSTEM' | 'SUPPLIER' | 'ORIGIN' | 'BOARD' | 'SECTOR';
export type CoverageBy = 'BOARD' | 'SECTOR' | 'SWV';
export type AgeBucket = 'DAYS_0_7' | 'DAYS_8_30' | 'DAYS_31_90' | 'OVER_90_DAYS';

export interface RefMandate {
  id: string;
  serviceCode: string;
  systemId: string;
  brin: string | null;
  boardNummer: string;
  startDate: string;
  endDate: string | null;
  origin: string;
}

export interface RefSchool {
  brin: string;
  name: string;
  sector: string;
  boardNummer: string;
  swvCodes: string[];
  startDate: string | null;
  endDate: string | null;
}

interface RefAgreement {
  id: string;
  boardNummer: string;
  type: string;
  status: string;
  services: string[];
  serviceStarts?: { service: string; from: string }[] | null;
  validFrom: string | null;
  validUntil: string | null;
  extensionOf?: string | null;
  signing?: { sentAt: Date } | null;
}

interface RefReviewItem {
  boardNummer: string;
  reason: string;
  createdAt: Date;
  resolvedAt: Date | null;
}

export interface Snapshot {
  mandates: RefMandate[];
  systems: Map<string, { id: string; name: string; supplierOin: string }>;
  /** OIN → name */
  suppliers: Map<string, string>;
  schools: RefSchool[];
  /** bevoegd gezag nummer → name */
  boards: Map<string, string>;
  /** SWV code → name */
  swvs: Map<string, string>;
  /** BRINs with an inactive aanleverpunt, per kind */
  inactivePoints: { OV: Set<string>; SWV: Set<string> };
  agreements: RefAgreement[];
  reviewItems: RefReviewItem[];
}

async function withDb<T>(uri: string, prefix: string, name: 'organisations' | 'mandates' | 'agreements', work: (db: Database) => Promise<T>): Promise<T> {
  const db = await connectDatabase(uri, databaseName(prefix, name));
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** Keyset pages over a whole collection (a full read on FerretDB per page: few, large pages). */
const PAGE = 10_000;

/** Every item of a keyset-paged list, page by page until a page is short. */
async function everything<T>(page: (after: string | null) => Promise<T[]>, keyOf: (item: T) => string): Promise<T[]> {
  const all: T[] = [];
  for (;;) {
    const read = await page(all.length ? keyOf(all.at(-1)!) : null);
    all.push(...read);
    if (read.length < PAGE) return all;
  }
}

/** Every board of the register, by number. */
const boardsOf = (db: Database) => everything((after) => new OrganisationsRepository(db.db).pageBoards({}, PAGE, after), (b) => b.bevoegdGezagNummer);

const refMandate = (m: RefMandate): RefMandate => ({
  id: m.id, serviceCode: m.serviceCode, systemId: m.systemId, brin: m.brin, boardNummer: m.boardNummer, startDate: m.startDate, endDate: m.endDate, origin: m.origin,
});

/** The mandates only (what the change phase changes): every mandate the boards of the register gave. */
export async function readMandates(uri: string, prefix: string): Promise<RefMandate[]> {
  const boards = await withDb(uri, prefix, 'organisations', async (db) => (await boardsOf(db)).map((b) => b.bevoegdGezagNummer));
  return withDb(uri, prefix, 'mandates', async (db) => (await MandatesReader.of(db.db).mandatesOfBoards(boards)).map(refMandate));
}

/** One mandate by id (null when there is none). */
export function readMandate(uri: string, prefix: string, id: string): Promise<RefMandate | null> {
  return withDb(uri, prefix, 'mandates', async (db) => {
    const [found] = await MandatesReader.of(db.db).mandates([id]);
    return found ? refMandate(found) : null;
  });
}

export async function readSnapshot(uri: string, prefix: string): Promise<Snapshot> {
  const mandates = await readMandates(uri, prefix);
  const { schools, boards, swvs } = await withDb(uri, prefix, 'organisations', async (db) => {
    const repository = new OrganisationsRepository(db.db);
    const schools: RefSchool[] = (await everything((after) => repository.pageSchools({}, PAGE, after), (s) => s.brin)).map((s) => ({
      brin: s.brin, name: s.name, sector: s.sector, boardNummer: s.boardNummer, swvCodes: s.swvCodes, startDate: s.startDate, endDate: s.endDate,
    }));
    // the SWVs the schools name (an SWV without a school changes no figure)
    const swvs = await repository.findSwvs([...new Set(schools.flatMap((s) => s.swvCodes))].sort());
    return { schools, boards: await boardsOf(db), swvs };
  });
  const { systems, suppliers, points } = await withDb(uri, prefix, 'mandates', async (db) => {
    const reader = MandatesReader.of(db.db);
    return { systems: await reader.systems(), suppliers: await reader.suppliers(), points: await reader.aanleverpuntenOfSchools(schools.map((s) => s.brin)) };
  });
  const { agreements, reviewItems } = await withDb(uri, prefix, 'agreements', async (db) => {
    const repository = new AgreementsRepository(db.db);
    return {
      agreements: (await everything((afterId) => repository.queryAgreements({ afterId }, PAGE), (a) => a.id)).map(
        (a): RefAgreement => ({
          id: a.id, boardNummer: a.boardNummer, type: a.type, status: a.status, services: a.services, serviceStarts: a.serviceStarts ?? null,
          validFrom: a.validFrom, validUntil: a.validUntil, extensionOf: a.extensionOf ?? null, signing: a.signing ?? null,
        }),
      ),
      reviewItems: (await everything((afterId) => repository.reviewItemPage(afterId, PAGE), (r) => r.id)).map(
        (r): RefReviewItem => ({ boardNummer: r.boardNummer, reason: r.reason, createdAt: r.createdAt, resolvedAt: r.resolvedAt }),
      ),
    };
  });
  return {
    mandates,
    systems: new Map(systems.map((s) => [s.id, s])),
    suppliers: new Map(suppliers.map((s) => [s.oin, s.name])),
    schools,
    boards: new Map(boards.map((b) => [b.bevoegdGezagNummer, b.name])),
    swvs: new Map(swvs.map((s) => [s.code, s.name])),
    inactivePoints: {
      OV: new Set(points.filter((p) => p.kind === 'OV' && !p.active).map((p) => p.brin)),
      SWV: new Set(points.filter((p) => p.kind === 'SWV' && !p.active).map((p) => p.brin)),
    },
    agreements,
    reviewItems,
  };
}

/** PLANNED before the start date, ACTIVE from the start up to and including the end date, ENDED after it. */
export function statusOn(m: { startDate: string; endDate: string | null }, asOf: string): Status {
  if (asOf < m.startDate) return 'PLANNED';
  if (m.endDate !== null && m.endDate !== undefined && asOf > m.endDate) return 'ENDED';
  return 'ACTIVE';
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface CountRow {
  service: string | null;
  status: Status | null;
  system: string | null;
  /** supplier OIN */
  supplier: string | null;
  origin: string | null;
  board: string | null;
  sector: string | null;
  count: number;
}

/** mandateCounts: one row per non-empty group, ordered by service, status, system, supplier, origin, board, sector (null first). */
export function mandateCounts(snap: Snapshot, q: { asOf: string; services?: string[] | null; groupBy: Dimension[]; board?: string | null }): CountRow[] {
  const sectorOf = new Map(snap.schools.map((s) => [s.brin, s.sector]));
  const has = (d: Dimension) => q.groupBy.includes(d);
  const groups = new Map<string, CountRow>();
  for (const m of snap.mandates) {
    if (q.board && m.boardNummer !== q.board) continue;
    if (q.services && !q.services.includes(m.serviceCode)) continue;
    const row: CountRow = {
      service: has('SERVICE') ? m.serviceCode : null,
      status: has('STATUS') ? statusOn(m, q.asOf) : null,
      system: has('SYSTEM') ? m.systemId : null,
      supplier: has('SUPPLIER') ? (snap.systems.get(m.systemId)?.supplierOin ?? null) : null,
      origin: has('ORIGIN') ? m.origin : null,
      board: has('BOARD') ? m.boardNummer : null,
      sector: has('SECTOR') ? (m.brin ? (sectorOf.get(m.brin) ?? null) : null) : null,
      count: 1,
    };
    const key = JSON.stringify([row.service, row.status, row.system, row.supplier, row.origin, row.board, row.sector]);
    const seen = groups.get(key);
    if (seen) seen.count++;
    else groups.set(key, row);
  }
  const sortKey = (r: CountRow) => [r.service, r.status, r.system, r.supplier, r.origin, r.board, r.sector];
  return [...groups.values()].sort((a, b) => {
    const ka = sortKey(a);
    const kb = sortKey(b);
    for (let i = 0; i < ka.length; i++) {
      const c = compare(ka[i] ?? '', kb[i] ?? '');
      if (c) return c;
    }
    return 0;
  });
}

/** The first day of the month `months` before the month of `date`. */
export function monthsBefore(date: string, months: number): string {
  const d = new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1 - months, 1));
  return d.toISOString().slice(0, 10);
}

/** The same calendar day `years` earlier (29 February → 1 March). */
export function yearsBefore(date: string, years: number): string {
  const d = new Date(Date.UTC(Number(date.slice(0, 4)) - years, Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))));
  return d.toISOString().slice(0, 10);
}

export function dayBefore(date: string): string {
  const d = new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000);
  return d.toISOString().slice(0, 10);
}

/**
 * mandateCountSeries: per month from `from`'s to `to`'s, the mandates whose recorded validity
 * covers the month's last day (or `to` when earlier), per service; every service that has
 * mandates when none are named. Rows by month, then service.
 */
export function mandateCountSeries(snap: Snapshot, q: { from: string; to: string; services?: string[] | null; board?: string | null }) {
  const mine = snap.mandates.filter((m) => (!q.board || m.boardNummer === q.board) && (!q.services || q.services.includes(m.serviceCode)));
  const services = q.services ? [...new Set(q.services)].sort(compare) : [...new Set(mine.map((m) => m.serviceCode))].sort(compare);
  const rows: { month: string; date: string; service: string; active: number }[] = [];
  for (let k = 0; ; k++) {
    const first = new Date(Date.UTC(Number(q.from.slice(0, 4)), Number(q.from.slice(5, 7)) - 1 + k, 1));
    const month = first.toISOString().slice(0, 7);
    if (month > q.to.slice(0, 7)) break;
    const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
    const date = last < q.to ? last : q.to;
    for (const service of services) {
      const active = mine.filter((m) => m.serviceCode === service && m.startDate <= date && (m.endDate === null || m.endDate >= date)).length;
      rows.push({ month, date, service, active });
    }
  }
  return rows;
}

export interface CoverageGroup {
  key: string;
  schools: number;
  covered: number;
  uncovered: number;
  uncoveredWithInactiveAanleverpunt: number;
  /** by BRIN */
  uncoveredSchools: { brin: string; name: string }[];
}

/**
 * mandateCoverage: the schools that exist on asOf in RIO (the board's own for a board),
 * covered when a mandate for the service is active on asOf; groups by current board, sector
 * or SWV (a school in each of its SWVs), most uncovered first, then by key.
 */
export function mandateCoverage(snap: Snapshot, q: { service: string; asOf: string; groupBy?: CoverageBy | null; board?: string | null }) {
  const covered = new Set(snap.mandates.filter((m) => m.brin && m.serviceCode === q.service && statusOn(m, q.asOf) === 'ACTIVE').map((m) => m.brin!));
  const kind = q.service === 'OSO_OV' ? 'OV' : q.service === 'OSO_SWV' ? 'SWV' : null;
  const inactive = kind ? snap.inactivePoints[kind] : new Set<string>();
  const schools = snap.schools
    .filter((s) => (!s.startDate || s.startDate <= q.asOf) && (!s.endDate || s.endDate >= q.asOf))
    .filter((s) => !q.board || s.boardNummer === q.board);
  const tally = (key: string, list: RefSchool[]): CoverageGroup => {
    const uncovered = list.filter((s) => !covered.has(s.brin)).sort((a, b) => compare(a.brin, b.brin));
    return {
      key,
      schools: list.length,
      covered: list.length - uncovered.length,
      uncovered: uncovered.length,
      uncoveredWithInactiveAanleverpunt: uncovered.filter((s) => inactive.has(s.brin)).length,
      uncoveredSchools: uncovered.map((s) => ({ brin: s.brin, name: s.name })),
    };
  };
  const total = tally('', schools);
  const groups: CoverageGroup[] = [];
  if (q.groupBy) {
    const byKey = new Map<string, RefSchool[]>();
    for (const s of schools) {
      const keys = q.groupBy === 'BOARD' ? [s.boardNummer] : q.groupBy === 'SECTOR' ? [s.sector] : s.swvCodes.filter((c) => snap.swvs.has(c));
      for (const k of keys) byKey.set(k, [...(byKey.get(k) ?? []), s]);
    }
    for (const [k, list] of byKey) groups.push(tally(k, list));
    groups.sort((a, b) => b.uncovered - a.uncovered || compare(a.key, b.key));
  }
  return { service: q.service, asOf: q.asOf, total, groups };
}

const DAY_MS = 86_400_000;
const BUCKETS: AgeBucket[] = ['DAYS_0_7', 'DAYS_8_30', 'DAYS_31_90', 'OVER_90_DAYS'];
function bucketOf(from: Date, at: Date): AgeBucket {
  const days = Math.floor((at.getTime() - from.getTime()) / DAY_MS);
  return days < 8 ? 'DAYS_0_7' : days <= 30 ? 'DAYS_8_30' : days <= 90 ? 'DAYS_31_90' : 'OVER_90_DAYS';
}

const SIGNED = ['SIGNED', 'TERMINATED', 'EXPIRED'];

/** agreementCounts (docs/agreements-and-support.md): in force on asOf; requested and waiting as they are now. */
export function agreementCounts(snap: Snapshot, q: { asOf: string; now: Date; board?: string | null }) {
  const mine = snap.agreements.filter((a) => !q.board || a.boardNummer === q.board);
  const inForce = (a: RefAgreement) => SIGNED.includes(a.status) && a.validFrom !== null && a.validFrom <= q.asOf && (a.validUntil === null || a.validUntil >= q.asOf);
  const main = mine.filter((a) => a.type === 'OSO' && !a.extensionOf && inForce(a));
  const boards = new Map<string, boolean>();
  for (const a of main) {
    const start = (a.serviceStarts ?? []).find((s) => s.service === 'OSO_SWV');
    const swvByAgreement = a.services.includes('OSO_SWV') && (!start || start.from <= q.asOf);
    // a signed extension counts from its start, also when not yet applied to the agreement
    const swvByExtension = mine.some((e) => e.extensionOf === a.id && inForce(e));
    boards.set(a.boardNummer, (boards.get(a.boardNummer) ?? false) || swvByAgreement || swvByExtension);
  }
  const withSwv = [...boards.values()].filter(Boolean).length;
  const oso = mine.filter((a) => a.type === 'OSO' || a.extensionOf);
  const waiting = oso.filter((a) => a.status === 'SENT_FOR_SIGNATURE');
  const sent = waiting.map((a) => a.signing?.sentAt).filter((d): d is Date => d instanceof Date);
  return {
    asOf: q.asOf,
    boardsWithOsoAgreement: boards.size,
    boardsWithSwvExtension: withSwv,
    boardsWithoutSwvExtension: boards.size - withSwv,
    requested: oso.filter((a) => a.status === 'REQUESTED').length,
    waitingForSignature: waiting.length,
    waitingByAge: BUCKETS.map((age) => ({ age, count: sent.filter((d) => bucketOf(d, q.now) === age).length })).filter((b) => b.count > 0),
    oldestWaitingSince: sent.length ? new Date(Math.min(...sent.map((d) => d.getTime()))).toISOString() : null,
  };
}

/** reviewItemCounts: open at the end of asOf (now for today), by age bucket then reason. */
export function reviewItemCounts(snap: Snapshot, q: { asOf: string | null; now: Date; board?: string | null }) {
  const endOfDay = q.asOf ? new Date(`${q.asOf}T23:59:59.999Z`) : q.now;
  const at = endOfDay < q.now ? endOfDay : q.now;
  const open = snap.reviewItems.filter((r) => (!q.board || r.boardNummer === q.board) && r.createdAt <= at && (r.resolvedAt === null || r.resolvedAt > at));
  const rows: { reason: string; age: AgeBucket; count: number }[] = [];
  for (const age of BUCKETS) {
    const reasons = [...new Set(open.filter((r) => bucketOf(r.createdAt, at) === age).map((r) => r.reason))].sort(compare);
    for (const reason of reasons) rows.push({ reason, age, count: open.filter((r) => r.reason === reason && bucketOf(r.createdAt, at) === age).length });
  }
  return rows;
}

/** Where two JSON values first differ, as a path and both values (null when equal). */
export function firstDifference(got: unknown, expected: unknown, path = ''): string | null {
  if (Array.isArray(expected)) {
    if (!Array.isArray(got)) return `${path || '.'}: got ${short(got)}, expected a list`;
    for (let i = 0; i < Math.min(got.length, expected.length); i++) {
      const d = firstDifference(got[i], expected[i], `${path}[${i}]`);
      if (d) return d;
    }
    return got.length === expected.length ? null : `${path}: ${got.length} items, expected ${expected.length}`;
  }
  if (expected && typeof expected === 'object') {
    if (!got || typeof got !== 'object' || Array.isArray(got)) return `${path || '.'}: got ${short(got)}, expected an object`;
    const keys = new Set([...Object.keys(expected), ...Object.keys(got)]);
    for (const k of keys) {
      const d = firstDifference((got as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return got === expected ? null : `${path}: got ${short(got)}, expected ${short(expected)}`;
}

function short(v: unknown): string {
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
