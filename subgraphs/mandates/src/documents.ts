/**
 * Stored document shapes of the mandates database. Documents carry their natural key under
 * its GraphQL name (unique index); `_id` is the store's own and never leaves the repository.
 * Enumerated fields store the schema's enum values, so their types are the schema's.
 */
import type {
  AanleverpuntKind,
  CatalogueAction,
  MandateAction,
  MandateCheckKind as YearCheckKind,
  MandateLevel,
  MandateOrigin,
  MandateReviewKind,
  ServiceAction,
  ServiceCode,
  SystemKind,
} from './generated/resolvers.js';

export type { AanleverpuntKind, CatalogueAction, MandateAction, MandateLevel, MandateOrigin, MandateReviewKind, ServiceAction, ServiceCode, SystemKind, YearCheckKind };

export interface ServiceDocument {
  code: ServiceCode;
  name: string;
  description: string;
  mandateLevel: MandateLevel;
  /** Retired: the last day a new mandate in it may start (service-catalogue.ts); null or absent while not retired. */
  lastDay?: string | null;
  /** Set by the service catalogue; absent in services seeded before it existed. */
  version?: number;
  createdAt?: Date;
  updatedAt?: Date;
}

export interface SupplierDocument {
  /** OIN, 20 digits */
  oin: string;
  name: string;
  /** Set by the catalogue (catalogue.ts); absent in suppliers seeded before it existed. */
  version?: number;
  createdAt?: Date;
  updatedAt?: Date;
}

export interface SystemDocument {
  id: string;
  name: string;
  kind: SystemKind;
  supplierOin: string;
  services: ServiceCode[];
  /** Retired: the last day a new mandate may start on it (catalogue.ts); null or absent while not retired. */
  lastDay?: string | null;
  /** Set by the catalogue; absent in systems seeded before it existed. */
  version?: number;
}

export interface MandateDocument {
  id: string;
  serviceCode: ServiceCode;
  systemId: string;
  /** null for a board-level mandate */
  brin: string | null;
  /** bevoegd gezag nummer of the board that gave the mandate */
  boardNummer: string;
  startDate: string;
  endDate: string | null;
  origin: MandateOrigin;
  /** optimistic concurrency: every update matches and increments it */
  version: number;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  lastReviewedAt: Date | null;
  lastReviewedBy: string | null;
  /** open review reasons raised by organisation changes; empty when nothing to check */
  reviewReasons: ReviewReasonDocument[];
  /** boards that must see this mandate besides the one that gave it (after a school move) */
  reviewBoards: string[];
  /** serialisation unit of all writes: school (or board) + service, see mandate-store.ts */
  slotKey: string;
  /**
   * The month series' keys (series-keys.ts), set by every writer: "<service>|<YYYY-MM>" of the
   * start month, and of the first month at whose end the mandate no longer counts (null while
   * open-ended). Absent in documents written around the store until `osr mandates repair`.
   */
  seriesStart?: string;
  seriesEnd?: string | null;
  /**
   * The yearly mandate check (mandate-check.ts): at most one check per school year, the first
   * that counted (a confirmation, or a grant, change or switch by the board or support).
   * Cleared when an organisation change flags the mandate. Absent in documents written before.
   */
  yearChecks?: YearCheckDocument[];
}

/** One school year's check of a mandate (MandateDocument.yearChecks). */
export interface YearCheckDocument {
  /** `2026-2027` */
  schoolYear: string;
  kind: YearCheckKind;
  at: Date;
  by: string;
  byRole: string;
  /** the board the check was made for (board staff: their board); null: support's grant, change or switch */
  board: string | null;
}

export interface ReviewReasonDocument {
  changeId: string;
  kind: MandateReviewKind;
  description: string;
  boards: string[];
  effectiveDate: string;
  raisedAt: Date;
}

/** One mandate's part of a recorded change. */
export interface MandateChangeDocument {
  mandateId: string;
  action: MandateAction;
  /** null when the change created the mandate */
  before: MandateDocument | null;
  after: MandateDocument;
  /** What the change rests on when it is an assumption, e.g. "board taken from the first registration, 2026-11-01". */
  note?: string;
  /** For a confirmation (action CONFIRMED): the school year confirmed. */
  schoolYear?: string;
}

/**
 * The history collection is also the write-ahead log of the mandates: every change to a
 * slot (school or board + service) is first recorded here under the next slot sequence
 * number (unique with the slot key), then applied to the mandate documents. Two writers that
 * read the same slot state cannot both record: the second gets a duplicate key and must
 * re-read. An entry recorded but not applied (crash in between) is applied by the next
 * reader of the slot, who sees that the mandates' versions lag behind it.
 */
export interface MandateHistoryDocument extends RecordedBy {
  slotKey: string;
  slotSeq: number;
  mandateIds: string[];
  changes: MandateChangeDocument[];
  /** support changed the past (dates before what a board may set); absent in older entries */
  correction?: boolean;
  /** why, as the writer gave it (required for a correction); absent when none was given */
  reason?: string;
}

/** Where a follower of another subgraph's feed continues. */
export interface FeedCursorDocument {
  feed: string;
  cursor: string | null;
  updatedAt: Date;
  /** Moves read from the feed that take effect on a later day: handled on that day. */
  deferred?: DeferredChange[];
}

/** A change of the organisations feed kept until its effective date (as the feed gave it). */
export interface DeferredChange {
  id: string;
  kind: string;
  bevoegdGezagNummer: string | null;
  brin: string | null;
  fromBoard: string | null;
  toBoard: string | null;
  effectiveDate: string;
  description: string;
}

/** A mandate as resolved: the stored document plus the date its status is computed for. */
export interface MandateView extends MandateDocument {
  asOf: string;
}

export interface AanleverpuntDocument {
  brin: string;
  index: number;
  kind: AanleverpuntKind;
  systemId: string | null;
  active: boolean;
  /** the mandate this point migrated to */
  mandateId: string | null;
}

/** Entity references to types owned by the organisations subgraph. */
export interface SchoolRef {
  brin: string;
  /** provided by the gateway (@requires) from the organisations subgraph */
  board?: { bevoegdGezagNummer: string } | null;
}

export interface BoardRef {
  bevoegdGezagNummer: string;
  /** provided by the gateway (@requires) for Board.mandates: the board's schools now */
  schools?: { brin: string }[] | null;
}

/** One history entry of one mandate, as resolved (Mandate.history). */
export interface HistoryEntryView {
  action: MandateAction;
  at: Date;
  by: string;
  byRole: string;
  correction: boolean;
  reason: string | null;
  before: MandateDocument | null;
  after: MandateDocument;
  note: string | null;
  schoolYear: string | null;
}

/** Who recorded a change (a person's name, the token's subject, the role), and when. */
export interface RecordedBy {
  at: Date;
  by: string;
  bySub: string;
  byRole: string;
}

/** A change of the supplier catalogue, as recorded in its history. */
export interface CatalogueChangeDocument extends RecordedBy {
  action: CatalogueAction;
  supplierOin: string;
  /** null for a change of the supplier itself */
  systemId: string | null;
  before: SupplierDocument | SystemDocument | null;
  after: SupplierDocument | SystemDocument;
  description: string;
}

/** A change of the service catalogue, as recorded in its history. */
export interface ServiceChangeDocument extends RecordedBy {
  action: ServiceAction;
  code: ServiceCode;
  before: ServiceDocument | null;
  after: ServiceDocument;
  description: string;
}
