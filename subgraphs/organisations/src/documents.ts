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
  /**
   * bevoegd gezag nummer of the board of the latest registration. A move registered for a
   * later date is here at once; the board holding the school today is `holderOn` (plan.ts).
   */
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
  /**
   * Every board of `boardHistory`, written only when it names more than one: lets a board
   * find, by one indexed equality, a school it still holds while a move to another board
   * is registered for a later date (`boardNummer` already names the board it moves to).
   */
  historyBoards?: string[];
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
  /** The date the snapshot describes (absent in runs recorded before it was kept). */
  referenceDate?: string;
  /** The sector a one-sector file covered; null for the whole register. */
  sectorScope?: string | null;
}

export type RioSyncOutcome = 'RUNNING' | 'SUCCEEDED' | 'SUCCEEDED_WITH_REJECTIONS' | 'FAILED' | 'GAVE_UP' | 'INTERRUPTED';
export type RioSyncTrigger = 'SCHEDULE' | 'COMMAND' | 'SUPPORT';

/** A record the RIO API sync did not take: where, which field, which value (as JSON), why. */
export interface RioSyncRejectionDocument {
  record: string;
  field: string;
  value: string | null;
  reason: string;
}

/** Counts of the import that ended a sync (as in the RIO import's report). */
export interface RioSyncCountsDocument {
  recordsRead: number;
  created: number;
  updated: number;
  ended: number;
  moved: number;
  unchanged: number;
  rejected: number;
  changes: number;
}

/**
 * One run of the RIO API sync. A run that stopped before its import (crash, give-up, error)
 * is continued by the next sync of the same reference date: same syncId, attempts + 1.
 */
export interface RioSyncRunDocument {
  syncId: string;
  trigger: RioSyncTrigger;
  /** The API the pages come from (without credentials). */
  apiUrl: string;
  /** Start of the first attempt: the moment RIO's data was taken (rioSyncedAt). */
  startedAt: Date;
  lastAttemptStartedAt: Date;
  finishedAt: Date | null;
  outcome: RioSyncOutcome;
  attempts: number;
  /** datumGeldigOp: the date the data describes. */
  referenceDate: string;
  pageSize: number;
  /** Pages stored so far (all attempts) and in all, when known. */
  pagesFetched: number;
  pagesTotal: number | null;
  /** HTTP requests and retries of the last attempt. */
  requests: number;
  retries: number;
  importId: string | null;
  counts: RioSyncCountsDocument | null;
  rejected: number;
  /** The first rejections (at most 200); `rejected` counts them all. */
  rejections: RioSyncRejectionDocument[];
  error: string | null;
}

/** One fetched page of a RIO API collection, kept until its sync has imported it. */
export interface RioSyncPageDocument {
  _id: string;
  syncId: string;
  resource: string;
  page: number;
  totalPages: number;
  /** How many items the collection had when this page was fetched (a change means RIO changed in between). */
  totalElements: number;
  /** The page's items as JSON text. */
  items: string;
  fetchedAt: Date;
}

/** What rioSyncStatus answers (built by the sync service, not stored). */
export interface RioSyncStatusView {
  configured: boolean;
  scheduleMinutes: number | null;
  running: boolean;
  lastRun: RioSyncRunDocument | null;
  lastSuccess: RioSyncRunDocument | null;
  recentRuns: RioSyncRunDocument[];
}
