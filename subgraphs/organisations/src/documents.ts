/**
 * Stored document shapes of the organisations database (a copy of RIO). Documents carry
 * their natural key under its GraphQL name (unique index); `_id` is the store's own and
 * never leaves the repository.
 */

export type Sector = 'PO' | 'SO' | 'VO' | 'MBO';
export const SECTORS: readonly Sector[] = ['PO', 'SO', 'VO', 'MBO'];

export interface BoardDocument {
  bevoegdGezagNummer: string;
  rioCode: string | null;
  name: string;
  kvkNummer: string | null;
  rsin: string | null;
  startDate: string | null;
  endDate: string | null;
  rioSyncedAt: Date;
}

export interface AddressDocument {
  street: string | null;
  houseNumber: string | null;
  postcode: string | null;
  city: string | null;
}

export interface VestigingDocument {
  vestigingsnummer: string;
  name: string;
  address: AddressDocument | null;
  municipality: string | null;
  /** Set when a full RIO snapshot no longer holds the vestiging (or RIO ended it). */
  endDate?: string | null;
}

/** One period in which a school belonged to a board; dates inclusive, null = open. */
export interface BoardPeriodDocument {
  boardNummer: string;
  from: string | null;
  until: string | null;
}

export interface SchoolDocument {
  brin: string;
  name: string;
  sector: Sector;
  kindCode: string;
  /** bevoegd gezag nummer of the board the school belongs to */
  boardNummer: string;
  /** codes of the samenwerkingsverbanden the school belongs to (one per sector) */
  swvCodes: string[];
  startDate: string | null;
  endDate: string | null;
  vestigingen: VestigingDocument[];
  rioSyncedAt: Date;
  /**
   * The boards the school belonged to, oldest first, as far as the imports know (answers
   * School.boardOn). Missing on documents written before the history existed: then the
   * current board is taken to hold since the school's start.
   */
  boardHistory?: BoardPeriodDocument[];
}

export interface SwvDocument {
  /** e.g. PO2202 */
  code: string;
  name: string;
  sector: Sector;
  /** When RIO (DUO) last confirmed it; missing on documents from before the import. */
  rioSyncedAt?: Date;
  endDate?: string | null;
}

export type OrganisationChangeKind =
  | 'BOARD_ADDED'
  | 'BOARD_CHANGED'
  | 'BOARD_RENAMED'
  | 'BOARD_CLOSED'
  | 'SCHOOL_ADDED'
  | 'SCHOOL_CHANGED'
  | 'SCHOOL_MOVED'
  | 'SCHOOL_CLOSED'
  | 'SWV_ADDED'
  | 'SWV_CHANGED'
  | 'SWV_MEMBERSHIP_CHANGED';

/** One entry of the append-only organisation change feed. */
export interface OrganisationChangeDocument {
  id: string;
  /** Position in the feed, strictly increasing (gaps possible). */
  sequence: number;
  /**
   * Natural key of the change (kind, subject, effective date, before and after): unique, so
   * a re-run after a crash never records the same change twice.
   */
  key: string;
  kind: OrganisationChangeKind;
  bevoegdGezagNummer: string | null;
  brin: string | null;
  fromBoard: string | null;
  toBoard: string | null;
  swvCode: string | null;
  effectiveDate: string;
  importId: string;
  recordedAt: Date;
  description: string;
}

/** One run of the RIO import, as recorded in the store (dry runs are not recorded). */
export interface ImportRunDocument {
  importId: string;
  source: string;
  format: 'json' | 'csv';
  mode: 'full' | 'delta';
  startedAt: Date;
  finishedAt: Date | null;
  counts: Record<string, number> | null;
}
