/**
 * The yearly check's rows (repositories/aggregates.ts CheckRow) as the read model keeps them:
 * computed from every mandate's facts, brought forward by the changes of later writes, and a
 * copy kept in the database so that a process that starts does not read `mandate_facts`
 * whole before its first answer.
 *
 * Counting is done here, not by `$group`, because FerretDB's `$group` compares each document
 * with every group found so far (nearly one group per mandate here).
 *
 * Reading `mandate_facts` costs FerretDB a decode per document, for the national set more
 * than the first progress answer may take. So the rows are also kept in `mandate_check_rows`,
 * as a few documents of text (5,000 rows each, one JSON array per line) under a head document
 * that names the change journal's token they are exact for. A process without rows in memory
 * reads that copy (a handful of documents by `_id`) and brings it forward by the journal's
 * changes since, exactly as the kept rows in memory are brought forward (result-cache.ts
 * `restore`); when the changes are not all known (links older than the journal keeps, or a
 * change without details such as a bulk load) it reads the facts instead. The copy is written
 * by a process whose rows are exact, at most every few minutes when they changed
 * (aggregates.ts keepRows), and by the repair after writes around the store (writes.ts), so
 * that the first start after a load does not pay for the full read either.
 */
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { findEach, retryUpsertRace, type Logger } from '@osr/common';
import type { ServiceCode } from '../documents.js';
import { rowKey, rowOf, type CheckRow } from '../repositories/aggregates.js';
import type { ChangeJournal, MandateDelta } from './change-journal.js';
import type { MandateFacts, MandateFactsDocument } from './facts.js';

const ROW_FIELDS = ['serviceCode', 'systemId', 'brin', 'boardNummer', 'startDate', 'endDate', 'checks'] as const;

/** Every mandate's facts, counted per row: one read of `mandate_facts`. */
export async function computeCheckRows(facts: Collection<MandateFactsDocument>): Promise<CheckRow[]> {
  const projection = { _id: 0, serviceCode: 1, systemId: 1, brin: 1, boardNummer: 1, startDate: 1, endDate: 1, checks: 1 } as const;
  const rows = new Map<string, CheckRow>();
  for (const f of await facts.find({}, { projection, batchSize: 100_000 }).toArray()) {
    const k = rowKey(f);
    const row = rows.get(k);
    if (row) row.count++;
    else rows.set(k, rowOf(f, 1));
  }
  return [...rows.values()];
}

/** Adds changes to rows (−1 for a mandate's facts before, +1 after); a new list, `rows` untouched. */
export function foldCheckRows(rows: readonly CheckRow[], changes: readonly MandateDelta[]): CheckRow[] {
  if (changes.length === 0) return rows as CheckRow[];
  const byKey = new Map(rows.map((r) => [rowKey(r), r]));
  const add = (f: MandateFacts | null, n: number) => {
    if (!f) return;
    const k = rowKey(f);
    const row = byKey.get(k);
    byKey.set(k, row ? { ...row, count: row.count + n } : rowOf(f, n));
  };
  for (const change of changes) {
    add(change.before, -1);
    add(change.after, 1);
  }
  return [...byKey.values()].filter((r) => r.count !== 0);
}

// ---- the copy in the database

/** Bump when the line format changes: a copy in another format is not read. */
const FORMAT = 1;
const ROWS_PER_PART = 5_000;
const HEAD_ID = 'head';

export interface CheckRowsHeadDocument {
  _id: typeof HEAD_ID;
  format: number;
  /** names the parts: `<copy>:<index>` */
  copy: string;
  /** the change journal's token the rows are exact for */
  token: string;
  parts: number;
  rows: number;
  /** the sum of the rows' counts */
  mandates: number;
  at: Date;
}

export interface CheckRowsPartDocument {
  _id: string;
  copy: string;
  index: number;
  /** one JSON array per line: the row's fields in ROW_FIELDS order, then its count */
  lines: string;
  at: Date;
}

export type CheckRowsDocument = CheckRowsHeadDocument | CheckRowsPartDocument;

function lineOf(r: CheckRow): string {
  return JSON.stringify([...ROW_FIELDS.map((k) => r[k] ?? null), r.count]);
}

const isText = (v: unknown): v is string => typeof v === 'string';
const isTextOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

function rowOfLine(line: string): CheckRow {
  const v = JSON.parse(line) as unknown[];
  const [serviceCode, systemId, brin, boardNummer, startDate, endDate, checks, count] = v;
  if (
    v.length !== ROW_FIELDS.length + 1 ||
    !isText(serviceCode) || !isText(systemId) || !isTextOrNull(brin) || !isText(boardNummer) ||
    !isText(startDate) || !isTextOrNull(endDate) || !isTextOrNull(checks) || typeof count !== 'number' || !Number.isInteger(count)
  ) {
    throw new Error(`not a mandate check row: ${line.slice(0, 200)}`);
  }
  return { serviceCode: serviceCode as ServiceCode, systemId, brin, boardNummer, startDate, endDate, checks, count };
}

/** The copy of the rows in `mandate_check_rows` (see the header). */
export class KeptCheckRows {
  constructor(
    private readonly collection: Collection<CheckRowsDocument>,
    private readonly logger?: Logger,
  ) {}

  /** The token of the stored copy (null: none). One lookup by `_id`. */
  async token(): Promise<string | null> {
    const head = await this.head();
    return head?.format === FORMAT ? head.token : null;
  }

  /**
   * The stored rows and the token they are exact for; null when there is no copy, it is of
   * another format, or it is incomplete (a part missing: a writer replaced it meanwhile).
   */
  async load(): Promise<{ token: string; value: CheckRow[] } | null> {
    const head = await this.head();
    if (!head || head.format !== FORMAT) return null;
    const ids = Array.from({ length: head.parts }, (_, i) => `${head.copy}:${i}`);
    const parts = (await findEach(ids, (id) => this.parts().find({ _id: id }).toArray())).sort((a, b) => a.index - b.index);
    if (parts.length !== head.parts || parts.some((p, i) => p.index !== i || p.copy !== head.copy)) {
      this.logger?.info({ copy: head.copy, parts: parts.length, expected: head.parts }, 'the stored mandate check rows are incomplete (replaced meanwhile?); reading the facts instead');
      return null;
    }
    const rows: CheckRow[] = [];
    for (const part of parts) for (const line of part.lines.split('\n')) if (line) rows.push(rowOfLine(line));
    const mandates = rows.reduce((n, r) => n + r.count, 0);
    if (rows.length !== head.rows || mandates !== head.mandates) {
      this.logger?.warn({ copy: head.copy, rows: rows.length, expected: head.rows, mandates, expectedMandates: head.mandates }, 'the stored mandate check rows do not add up; reading the facts instead');
      return null;
    }
    return { token: head.token, value: rows };
  }

  /**
   * Stores `rows` as exact for `token` (the caller vouches for that): the parts under a new
   * name first, then the head that names them, then the parts of the copy it replaced. Parts
   * left by a writer that stopped half way (or lost a race) are removed an hour later.
   */
  async save(token: string, rows: readonly CheckRow[]): Promise<void> {
    const copy = randomUUID();
    const at = new Date();
    const parts: CheckRowsPartDocument[] = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_PART) {
      parts.push({ _id: `${copy}:${parts.length}`, copy, index: parts.length, lines: rows.slice(i, i + ROWS_PER_PART).map(lineOf).join('\n'), at });
    }
    for (const part of parts) await this.parts().insertOne(part);
    const before = await this.head();
    const head: CheckRowsHeadDocument = { _id: HEAD_ID, format: FORMAT, copy, token, parts: parts.length, rows: rows.length, mandates: rows.reduce((n, r) => n + r.count, 0), at };
    await retryUpsertRace(() => this.heads().replaceOne({ _id: HEAD_ID }, head, { upsert: true }));
    if (before && before.copy !== copy) await this.parts().deleteMany({ copy: before.copy });
    // (a range and $ne: filtered after reading, but this collection holds a few documents)
    await this.parts().deleteMany({ copy: { $ne: copy }, _id: { $ne: HEAD_ID }, at: { $lt: new Date(at.getTime() - 3600_000) } });
  }

  /**
   * Computes the rows from the facts while no write is in progress and stores them: for a
   * repair or a bulk load (nothing else is written meanwhile). Returns false, storing nothing,
   * when a write ran during the read (the rows might not be exact for any one token).
   */
  async rebuild(facts: Collection<MandateFactsDocument>, journal: ChangeJournal): Promise<boolean> {
    const before = await journal.quiet();
    const rows = await computeCheckRows(facts);
    const after = await journal.quiet();
    if (!(before.quiet && after.quiet && before.token === after.token)) return false;
    await this.save(before.token, rows);
    return true;
  }

  private head(): Promise<CheckRowsHeadDocument | null> {
    return this.heads().findOne({ _id: HEAD_ID });
  }

  private heads(): Collection<CheckRowsHeadDocument> {
    return this.collection as unknown as Collection<CheckRowsHeadDocument>;
  }

  private parts(): Collection<CheckRowsPartDocument> {
    return this.collection as unknown as Collection<CheckRowsPartDocument>;
  }
}
