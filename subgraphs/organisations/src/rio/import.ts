/**
 * The RIO import use case: read a file (JSON bundle or DUO CSV), check every record, compare
 * with the store, append the change feed, then write the organisations. Touches only the
 * organisations database, through its repository.
 *
 * Without transactions, the order makes it safe to re-run: feed entries first (unique natural
 * key: a re-run skips what is there), then documents (a re-run finds nothing left to do);
 * bulk replacements go through a journal that the next import completes after a crash.
 */
import { randomBytes } from 'node:crypto';
import { formatTable } from '@osr/common/cli';
import type { OrganisationChangeDocument, Sector } from '../documents.js';
import { SWAP_CHUNK, type DocumentWrites, type ImportCollection, type OrganisationsRepository } from '../repository.js';
import { planImport, type EntityCounts, type PlanCounts } from './plan.js';
import { readCsv } from './read-csv.js';
import { ImportFileError, readJsonBundle } from './read-json.js';
import type { KnownKeys, Rejection, Snapshot } from './source.js';
import { decodeText, type Encoding } from './text.js';

export { ImportFileError } from './read-json.js';

export interface ImportProgress {
  phase: 'reading' | 'comparing' | 'writing' | 'done';
  done: number;
  total: number;
}

export interface ImportSource {
  /** file name or path, for the report */
  name: string;
  /** the file's content; unused when `read` is given */
  bytes?: Uint8Array;
  /** default: by the name's extension (.json, .csv), else by the content */
  format?: 'json' | 'csv';
  /**
   * DUO's boards file (besturen), read with a vestigingen file (`bytes`) that names its
   * boards by number only: DUO's two-file form. CSV only.
   */
  boards?: { name: string; bytes: Uint8Array };
  /**
   * Records read elsewhere (the RIO API sync): builds the snapshot from the keys the register
   * holds, instead of reading `bytes`. Everything after reading is the same as for a file.
   */
  read?: (known: KnownKeys) => Snapshot;
}

export interface ImportOptions {
  mode: 'full' | 'delta';
  dryRun?: boolean;
  /** When RIO's data was taken. JSON: default the bundle's peilmoment. CSV: required. */
  syncedAt?: Date;
  /** When the file was read: stands in for syncedAt of a CSV file that has none. */
  fileModifiedAt?: Date;
  /** The date the data describes. Default: the bundle's peildatum, else the date of syncedAt. */
  referenceDate?: string;
  /**
   * CSV: the sector of every school in a file without a SECTOR column (DUO's per-sector
   * files). A full snapshot then ends only absent schools of this sector.
   */
  sector?: Sector;
  importId?: string;
  now?: () => Date;
  onProgress?: (progress: ImportProgress) => void;
  /** Replacements per collection above which the bulk swap is used (tests lower it). */
  swapThreshold?: number;
  /**
   * A full snapshot that would end more than this many organisations because it lacks them
   * (and more than 10% of those open) is refused as a probably wrong or partial file.
   * Default 50; Infinity allows it.
   */
  maxEnded?: number;
}

export interface ImportReport {
  importId: string;
  source: string;
  format: 'json' | 'csv';
  encoding: Encoding;
  mode: 'full' | 'delta';
  dryRun: boolean;
  syncedAt: string;
  referenceDate: string;
  recordsRead: number;
  /** Totals over boards, schools and samenwerkingsverbanden (vestigingen apart). */
  created: number;
  updated: number;
  ended: number;
  moved: number;
  unchanged: number;
  /** Records (rows or JSON records) rejected; each reason is in `rejections`. */
  rejected: number;
  boards: EntityCounts;
  schools: PlanCounts['schools'];
  samenwerkingsverbanden: EntityCounts;
  vestigingen: PlanCounts['vestigingen'];
  /** Change-feed entries appended (dry run: that would be appended). */
  changes: number;
  rejections: Rejection[];
  /** Rows identical to one taken before (counted as taken once, not rejected). */
  duplicates: { record: string; of: string }[];
  /** What was assumed about the file (e.g. locations named by INSTELLINGSNAAM). */
  notices: string[];
  /** Bulk writes of a crashed earlier import completed first. */
  recoveredWrites: number;
  durationMs: number;
}

export class ImportBusyError extends Error {
  override name = 'ImportBusyError';
}

function detectFormat(source: ImportSource, text: string): 'json' | 'csv' {
  if (source.format) return source.format;
  const lower = source.name.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  return text.trimStart().startsWith('{') ? 'json' : 'csv';
}

export function newImportId(now: Date): string {
  return `rio-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export async function importRio(
  repository: OrganisationsRepository,
  source: ImportSource,
  options: ImportOptions,
): Promise<ImportReport> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const clock = Date.now();
  const importId = options.importId ?? newImportId(started);
  const progress = options.onProgress ?? (() => undefined);
  const dryRun = options.dryRun ?? false;

  progress({ phase: 'reading', done: 0, total: 1 });
  const { text, encoding } = source.read
    ? { text: '', encoding: 'utf-8' as Encoding }
    : decodeText(source.bytes ?? new Uint8Array());
  const format = source.read ? 'json' : source.boards ? 'csv' : detectFormat(source, text);
  const csvSyncedAt = options.syncedAt ?? options.fileModifiedAt;
  if (format === 'csv' && !csvSyncedAt) {
    throw new ImportFileError('a CSV file does not say when its data was taken: pass syncedAt (--synced-at)');
  }

  const holder = dryRun ? null : await repository.acquireImportLock(importId, started);
  if (holder) {
    throw new ImportBusyError(
      `another RIO import (${holder.importId}, started ${holder.at.toISOString()}) is running on this database; ` +
        'try again when it has finished (a lock older than 30 minutes is taken to be left by a crashed import)',
    );
  }
  try {
    const recoveredWrites = dryRun ? 0 : await repository.completePendingWrites();
    const stored = await repository.loadAll();
    const known = {
      boards: new Set(stored.boards.map((b) => b.bevoegdGezagNummer)),
      swvs: new Set(stored.swvs.map((s) => s.code)),
    };
    const readOptions = {
      ...(options.syncedAt ? { syncedAt: options.syncedAt } : {}),
      ...(options.referenceDate ? { referenceDate: options.referenceDate } : {}),
    };
    const snapshot = source.read
      ? source.read(known)
      : format === 'json'
        ? readJsonBundle(text, known, readOptions)
        : readCsv(text, known, {
            ...readOptions,
            syncedAt: csvSyncedAt!,
            ...(options.sector ? { sector: options.sector } : {}),
            ...(source.boards ? { name: source.name, boards: { name: source.boards.name, text: decodeText(source.boards.bytes).text } } : {}),
          });
    progress({ phase: 'reading', done: 1, total: 1 });

    progress({ phase: 'comparing', done: 0, total: 1 });
    const plan = planImport(snapshot, stored, options.mode);
    progress({ phase: 'comparing', done: 1, total: 1 });
    if (!source.read) {
      // A file's full snapshot must describe a later day than the last one imported for its scope:
      // otherwise its changes would be dated before what the register already holds (periods
      // that end before they start). A file that changes nothing may be imported again.
      const last = await repository.lastSnapshotDate(snapshot.sectorScope ?? null);
      const c = plan.counts;
      const changesSomething =
        plan.changes.length > 0 || [c.boards, c.schools, c.samenwerkingsverbanden].some((e) => e.created + e.updated + e.ended > 0);
      // A delta adds to a day's snapshot: the same day is fine, an earlier one is not.
      const tooEarly = last && (options.mode === 'full' ? snapshot.referenceDate <= last.referenceDate : snapshot.referenceDate < last.referenceDate);
      if (last && tooEarly && changesSomething) {
        throw new ImportFileError(
          `this ${options.mode === 'full' ? 'snapshot' : 'delta'} describes ${snapshot.referenceDate}, which is ${options.mode === 'full' ? 'not later than' : 'before'} the last one imported (${last.referenceDate}, import ${last.importId}), ` +
            'and it changes the register: give the date the data describes with --reference-date (nothing was written)',
        );
      }
    }
    if (plan.periodProblems.length) {
      throw new ImportFileError(
        `this snapshot (of ${snapshot.referenceDate}) would end board periods before they start (${plan.periodProblems.slice(0, 3).join('; ')}${plan.periodProblems.length > 3 ? '; ...' : ''}): ` +
          'give the date the data describes with --reference-date (nothing was written)',
      );
    }
    const ending = plan.endedByAbsence;
    const open = [...stored.boards, ...stored.schools, ...stored.swvs].filter((d) => !d.endDate).length;
    if (!dryRun && ending > (options.maxEnded ?? 50) && ending > open / 10) {
      throw new ImportFileError(
        `this full snapshot would end ${ending} of the ${open} open organisations because it lacks them: is it really a complete RIO snapshot? ` +
          'Import a partial file with --delta; if the ending is right, pass --allow-mass-end (nothing was written)',
      );
    }

    let appended = plan.changes.length;
    if (!dryRun) {
      await repository.recordImportStart({
        importId,
        source: source.name,
        format,
        mode: options.mode,
        startedAt: started,
        finishedAt: null,
        counts: null,
        referenceDate: snapshot.referenceDate,
        sectorScope: snapshot.sectorScope ?? null,
      });
      const existing = await repository.existingChangeKeys(plan.changes.map((c) => c.key));
      const fresh = plan.changes.filter((c) => !existing.has(c.key));
      appended = fresh.length;
      const docs = [plan.boards, plan.swvs, plan.schools].reduce((n, w) => n + w.inserts.length + w.replacements.length, 0);
      const total = fresh.length + docs;
      let done = 0;
      progress({ phase: 'writing', done, total });
      if (fresh.length) {
        const first = await repository.reserveSequences(fresh.length);
        const entries: OrganisationChangeDocument[] = fresh.map((c, i) => ({
          id: `oc-${first + i}`,
          sequence: first + i,
          importId,
          recordedAt: started,
          ...c,
        }));
        await repository.appendChanges(entries, (written) => {
          done += written;
          progress({ phase: 'writing', done, total });
        });
      }
      const step = SWAP_CHUNK;
      const write = async <T extends object>(name: ImportCollection, writes: DocumentWrites<T>) => {
        for (let i = 0; i < Math.max(writes.inserts.length, writes.replacements.length); i += step) {
          const part = { inserts: writes.inserts.slice(i, i + step), replacements: writes.replacements.slice(i, i + step) };
          await repository.writeDocuments(name, part, options.swapThreshold);
          done += part.inserts.length + part.replacements.length;
          progress({ phase: 'writing', done, total });
        }
      };
      // Boards and SWVs first: a school's references exist before the school is written.
      await write('boards', plan.boards);
      await write('samenwerkingsverbanden', plan.swvs);
      await write('schools', plan.schools);
    }

    const c = plan.counts;
    const sum = (k: keyof EntityCounts) => c.boards[k] + c.schools[k] + c.samenwerkingsverbanden[k];
    const report: ImportReport = {
      importId,
      source: source.name,
      format,
      encoding,
      mode: options.mode,
      dryRun,
      syncedAt: snapshot.syncedAt.toISOString(),
      referenceDate: snapshot.referenceDate,
      recordsRead: snapshot.recordsRead,
      created: sum('created'),
      updated: sum('updated'),
      ended: sum('ended'),
      moved: c.schools.moved,
      unchanged: sum('unchanged'),
      rejected: new Set(snapshot.rejections.map((r) => r.record)).size,
      boards: c.boards,
      schools: c.schools,
      samenwerkingsverbanden: c.samenwerkingsverbanden,
      vestigingen: c.vestigingen,
      changes: appended,
      rejections: snapshot.rejections,
      duplicates: snapshot.duplicates,
      notices: snapshot.notices,
      recoveredWrites,
      durationMs: Date.now() - clock,
    };
    if (!dryRun) {
      await repository.recordImportEnd(importId, now(), {
        created: report.created,
        updated: report.updated,
        ended: report.ended,
        moved: report.moved,
        unchanged: report.unchanged,
        rejected: report.rejected,
        changes: report.changes,
      });
    }
    progress({ phase: 'done', done: 1, total: 1 });
    return report;
  } finally {
    if (!dryRun) await repository.releaseImportLock(importId);
  }
}

/** The report as text lines, for people (the CLI prints these). */
export function formatReport(report: ImportReport): string[] {
  const kinds: [string, Record<string, number>][] = [
    ['boards', { ...report.boards }],
    ['schools', { ...report.schools }],
    ['samenwerkingsverbanden', { ...report.samenwerkingsverbanden }],
    ['vestigingen', { ...report.vestigingen }],
  ];
  const columns = [...new Set(kinds.flatMap(([, counts]) => Object.keys(counts)))];
  const table = formatTable(['', ...columns], kinds.map(([kind, counts]) => [kind, ...columns.map((c) => counts[c] ?? 0)]));
  const lines = [
    `${report.dryRun ? 'Dry run (nothing written)' : 'Import'} ${report.importId}: ${report.mode} ${report.format.toUpperCase()} ${report.source} (${report.encoding})`,
    `  data of ${report.referenceDate}, taken ${report.syncedAt}; ${report.recordsRead} records read; import took ${(report.durationMs / 1000).toFixed(1)} s`,
    `  created ${report.created}, updated ${report.updated}, ended ${report.ended}, moved ${report.moved}, unchanged ${report.unchanged}, rejected ${report.rejected}`,
    ...table.split('\n').map((line) => `  ${line}`),
    `  change feed: ${report.changes} ${report.dryRun ? 'entries would be added' : 'entries added'}`,
  ];
  if (report.notices.length) {
    lines.push(`  notices (${report.notices.length}):`);
    for (const n of report.notices) lines.push(`    ${n}`);
  }
  if (report.duplicates.length) {
    lines.push(`  duplicate rows, taken once (${report.duplicates.length}):`);
    for (const d of report.duplicates) lines.push(`    ${d.record}: the same as ${d.of}`);
  }
  if (report.recoveredWrites) lines.push(`  completed ${report.recoveredWrites} writes left by an interrupted import`);
  if (report.rejections.length) {
    lines.push(`  rejected records (${report.rejected}):`);
    for (const r of report.rejections) lines.push(`    ${r.record}: ${r.field} ${JSON.stringify(r.value)}: ${r.reason}`);
  }
  return lines;
}
