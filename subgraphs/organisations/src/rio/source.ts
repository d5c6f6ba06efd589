/**
 * What the RIO readers (JSON bundle, DUO CSV) make of a file: validated records in one
 * shape, whatever the format, plus every rejected record with the reason.
 */
import type { AddressDocument, Sector } from '../documents.js';

/** A record that was not taken: where it is, which field, which value, and why. */
export interface Rejection {
  /** "line 12" (CSV) or "onderwijsaanbieders[3]" (JSON) */
  record: string;
  field: string;
  value: unknown;
  reason: string;
}

export interface SourceBoard {
  record: string;
  bevoegdGezagNummer: string;
  rioCode: string | null;
  name: string;
  kvkNummer: string | null;
  rsin: string | null;
  startDate: string | null;
  endDate: string | null;
}

export interface SourceVestiging {
  record: string;
  vestigingsnummer: string;
  name: string;
  address: AddressDocument | null;
  municipality: string | null;
  endDate: string | null;
}

export interface SourceSchool {
  record: string;
  brin: string;
  name: string;
  sector: Sector;
  kindCode: string;
  boardNummer: string;
  /** Since when the school belongs to this board, when the source says so. */
  boardSince: string | null;
  swvCodes: string[];
  startDate: string | null;
  endDate: string | null;
  vestigingen: SourceVestiging[];
}

export interface SourceSwv {
  record: string;
  code: string;
  name: string;
  sector: Sector;
}

/** Keys of what the register holds already (references may point there). */
export interface KnownKeys {
  boards: ReadonlySet<string>;
  swvs: ReadonlySet<string>;
}

export interface Snapshot {
  format: 'json' | 'csv';
  /** The moment RIO's data was taken: becomes rioSyncedAt of every organisation in it. */
  syncedAt: Date;
  /** The date the data describes: effective date of changes without a date of their own. */
  referenceDate: string;
  /** Records read (rows or JSON records), rejected ones included. */
  recordsRead: number;
  boards: Map<string, SourceBoard>;
  schools: Map<string, SourceSchool>;
  swvs: Map<string, SourceSwv>;
  rejections: Rejection[];
  /** Rows identical to one taken before: counted as taken, named here (not rejections). */
  duplicates: { record: string; of: string }[];
  /** What the reader assumed about the file, for the report (not rejections). */
  notices: string[];
  /**
   * Keys named by rejected records: a full snapshot does not end these organisations just
   * because their record was bad.
   */
  protectedKeys: { boards: Set<string>; schools: Set<string>; vestigingen: Set<string>; swvs: Set<string> };
  /**
   * Set when the file covers one sector only (DUO publishes per sector): a full snapshot
   * then ends only the absent schools of that sector, and no board or samenwerkingsverband
   * (those may have schools in other sectors' files).
   */
  sectorScope?: Sector;
}

export function emptySnapshot(format: 'json' | 'csv', syncedAt: Date, referenceDate: string): Snapshot {
  return {
    format,
    syncedAt,
    referenceDate,
    recordsRead: 0,
    boards: new Map(),
    schools: new Map(),
    swvs: new Map(),
    rejections: [],
    duplicates: [],
    notices: [],
    protectedKeys: { boards: new Set(), schools: new Set(), vestigingen: new Set(), swvs: new Set() },
  };
}
