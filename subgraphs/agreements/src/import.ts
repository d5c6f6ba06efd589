/**
 * Import of agreements signed before 15 August 2022 (when the OSR took over from Mijn OSO),
 * from a CSV file with a header row, `;` or `,` separated:
 *
 *   BEVOEGD GEZAG NUMMER;TYPE;SERVICES;SIGNED DATE;SIGNER NAME
 *   41234;OSO;OSO_OV OSO_SWV;2019-03-01;J. de Vries
 *
 * SERVICES: service codes separated by spaces, `|` or `+` (an OSO agreement: OSO_OV, maybe
 * OSO_SWV; other types: empty). Imported agreements are SIGNED, marked imported, in force
 * from the signed date, under a random id (never one built from the board and type, which
 * anyone could guess). Idempotent: the agreement imported before for a board and type, found
 * by board, type and the imported mark whatever its id or status (earlier imports' ids stay as
 * they are), is left as it is (and reported when the file now says something else). Bad rows
 * are reported with line, field and reason; the good rows land.
 */
import { GraphQLError } from 'graphql';
import { bevoegdGezagNummerProblem, CsvSyntaxError, isoDateProblem, readCsvTable, type TextEncodingName } from '@osr/common';
import { checkServices, newAgreementId } from './agreements.js';
import { AGREEMENT_TYPES, SERVICE_CODES, type AgreementDocument, type AgreementType, type ServiceCode } from './documents.js';
import type { AgreementsRepository } from './repository.js';

export const IMPORT_COLUMNS = ['BEVOEGD GEZAG NUMMER', 'TYPE', 'SERVICES', 'SIGNED DATE', 'SIGNER NAME'] as const;
/** Agreements signed from this day on are signed in the OSR, not imported. */
export const SWITCH_DATE = '2022-08-15';

export interface ImportRowRef {
  line: number;
  /** the agreement's id; null for one a dry run would create (its id is made when it is written) */
  id: string | null;
  board: string;
  type: AgreementType;
}

export interface ImportReport {
  file: string;
  encoding: TextEncodingName | null;
  dryRun: boolean;
  rows: number;
  imported: ImportRowRef[];
  /** imported before with the same data */
  unchanged: ImportRowRef[];
  /** imported before with other data: left as it is */
  differing: (ImportRowRef & { reason: string })[];
  /** the board already has a live agreement of that type, made in the OSR */
  skipped: (ImportRowRef & { reason: string })[];
  rejected: { line: number; field: string; value: string; reason: string }[];
}

interface GoodRow {
  line: number;
  board: string;
  type: AgreementType;
  services: ServiceCode[];
  signedDate: string;
  signerName: string;
}

function delimiterOf(bytes: Uint8Array): string {
  const firstLine = Buffer.from(bytes.subarray(0, 2000)).toString('latin1').split(/\r?\n/)[0] ?? '';
  return firstLine.includes(';') ? ';' : ',';
}

export async function importAgreements(
  bytes: Uint8Array,
  options: { repository: AgreementsRepository; file: string; dryRun?: boolean; by?: string; now?: Date },
): Promise<ImportReport> {
  const report: ImportReport = { file: options.file, encoding: null, dryRun: options.dryRun ?? false, rows: 0, imported: [], unchanged: [], differing: [], skipped: [], rejected: [] };
  let table;
  try {
    table = readCsvTable(bytes, IMPORT_COLUMNS, delimiterOf(bytes));
  } catch (err) {
    if (err instanceof CsvSyntaxError) {
      report.rejected.push({ line: err.line, field: '(file)', value: '', reason: err.message.replace(/^line \d+: /, '') });
      return report;
    }
    throw err;
  }
  report.encoding = table.encoding;
  report.rows = table.rows.length + table.malformed.length;
  for (const m of table.malformed) report.rejected.push({ line: m.line, field: '(row)', value: '', reason: m.reason });

  const good: GoodRow[] = [];
  const firstLineOf = new Map<string, number>();
  for (const { line, values } of table.rows) {
    const reject = (field: string, value: string, reason: string) => report.rejected.push({ line, field, value, reason });
    const board = values['BEVOEGD GEZAG NUMMER'] ?? '';
    const typeText = (values['TYPE'] ?? '').toUpperCase();
    const servicesText = values['SERVICES'] ?? '';
    const signedDate = values['SIGNED DATE'] ?? '';
    const signerName = (values['SIGNER NAME'] ?? '').replace(/\s+/g, ' ');
    const before = report.rejected.length;

    const boardProblem = bevoegdGezagNummerProblem(board);
    if (boardProblem) reject('BEVOEGD GEZAG NUMMER', board, boardProblem);
    const type = AGREEMENT_TYPES.find((t) => t === typeText);
    if (!type) reject('TYPE', values['TYPE'] ?? '', `one of ${AGREEMENT_TYPES.join(', ')}`);
    const codes = servicesText.split(/[\s|+,]+/).filter(Boolean).map((s) => s.toUpperCase());
    const unknown = codes.filter((c) => !SERVICE_CODES.includes(c as ServiceCode));
    let services: ServiceCode[] = [];
    if (unknown.length) reject('SERVICES', servicesText, `unknown service ${unknown.join(', ')}; known: ${SERVICE_CODES.join(', ')}`);
    else if (type) {
      try {
        services = checkServices(type, codes as ServiceCode[]);
      } catch (err) {
        if (!(err instanceof GraphQLError)) throw err;
        reject('SERVICES', servicesText, String(err.extensions['reason'] ?? err.message));
      }
    }
    const dateProblem = isoDateProblem(signedDate);
    if (dateProblem) reject('SIGNED DATE', signedDate, dateProblem);
    else if (signedDate >= SWITCH_DATE) reject('SIGNED DATE', signedDate, `only agreements signed before ${SWITCH_DATE} are imported; later ones are signed in the OSR`);
    if (!signerName || signerName.length > 200) reject('SIGNER NAME', signerName, '1 to 200 characters');
    if (report.rejected.length > before || !type) continue;

    const key = `${board}:${type}`;
    const earlier = firstLineOf.get(key);
    if (earlier !== undefined) {
      reject('BEVOEGD GEZAG NUMMER', board, `board ${board} already has a ${type} agreement on line ${earlier} of this file`);
      continue;
    }
    firstLineOf.set(key, line);
    good.push({ line, board, type, services, signedDate, signerName });
  }

  const repo = options.repository;
  const now = options.now ?? new Date();
  for (const row of good) {
    const ref = { line: row.line, board: row.board, type: row.type };
    const same = (a: AgreementDocument) => a.validFrom === row.signedDate && a.signedBy === row.signerName && a.services.join(' ') === row.services.join(' ');
    const ofBoard = (await repo.findAgreementsOfBoards([row.board])).filter((a) => !a.extensionOf && a.type === row.type);
    // imported before (by an earlier run, the first migration, or under an earlier id scheme), in any status since
    const existing = ofBoard.find((a) => a.imported);
    if (existing) {
      if (same(existing)) report.unchanged.push({ ...ref, id: existing.id });
      else report.differing.push({ ...ref, id: existing.id, reason: `imported before as ${existing.services.join(' ') || '(no services)'}, signed ${existing.validFrom} by ${existing.signedBy}; left as it is` });
      continue;
    }
    const live = ofBoard.find((a) => a.liveKey === `${row.board}:${row.type}`);
    if (live) {
      report.skipped.push({ ...ref, id: live.id, reason: `board ${row.board} already has ${row.type} agreement ${live.id} (${live.status}); not imported` });
      continue;
    }
    if (report.dryRun) {
      report.imported.push({ ...ref, id: null });
      continue;
    }
    const id = newAgreementId();
    const doc: AgreementDocument = {
      id,
      boardNummer: row.board,
      type: row.type,
      status: 'SIGNED',
      services: row.services,
      validFrom: row.signedDate,
      validUntil: null,
      // the day is known, the moment is not: midday keeps the Dutch calendar day
      signedAt: new Date(`${row.signedDate}T12:00:00.000Z`),
      signedBy: row.signerName,
      imported: true,
      version: 1,
      createdAt: now,
      updatedAt: now,
      serviceStarts: [],
      extensionOf: null,
      documents: [],
      signing: null,
      signature: null,
      liveKey: `${row.board}:${row.type}`,
    };
    if (!(await repo.insertAgreement(doc))) {
      // someone made one at the same moment: report it rather than guess
      report.skipped.push({ ...ref, id: null, reason: 'a live agreement of this board and type appeared during the import; not imported' });
      continue;
    }
    await repo.claimVersion({
      agreementId: id,
      version: 1,
      at: now,
      by: options.by ?? 'agreements-import',
      byId: 'agreements-import',
      role: 'SERVICE',
      action: 'IMPORTED',
      from: null,
      to: 'SIGNED',
      note: `${options.file} line ${row.line}`,
      before: null,
      after: doc,
    });
    report.imported.push({ ...ref, id });
  }
  return report;
}
