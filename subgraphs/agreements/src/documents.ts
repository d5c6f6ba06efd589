/**
 * Stored document shapes of the agreements database. Documents carry their natural key
 * under its GraphQL name (unique index); `_id` is the store's own.
 */

export type AgreementType = 'OSR_USER' | 'OSO' | 'ENTREE' | 'NUMMERVOORZIENING';
export const AGREEMENT_TYPES: readonly AgreementType[] = ['OSR_USER', 'OSO', 'ENTREE', 'NUMMERVOORZIENING'];

export type AgreementStatus =
  | 'REQUESTED'
  | 'SENT_FOR_SIGNATURE'
  | 'SIGNED'
  | 'TERMINATED'
  | 'EXPIRED'
  | 'WITHDRAWN';

export type ServiceCode =
  | 'OSO_OV'
  | 'OSO_SWV'
  | 'DOORSTROOMTOETS_PO'
  | 'CENTRAAL_EXAMEN_VO'
  | 'ROD_PO'
  | 'ROD_VO'
  | 'VERZUIM'
  | 'RIO'
  | 'VVA';
export const SERVICE_CODES: readonly ServiceCode[] = [
  'OSO_OV',
  'OSO_SWV',
  'DOORSTROOMTOETS_PO',
  'CENTRAAL_EXAMEN_VO',
  'ROD_PO',
  'ROD_VO',
  'VERZUIM',
  'RIO',
  'VVA',
];

export type AgreementAction =
  | 'REQUESTED'
  | 'DOCUMENT_UPDATED'
  | 'SENT_FOR_SIGNATURE'
  | 'SIGNED'
  | 'EXTENDED'
  | 'TERMINATED'
  | 'EXPIRED'
  | 'WITHDRAWN'
  | 'IMPORTED';

/** A version of the agreement text. */
export interface ContractDocumentEntry {
  version: number;
  title: string;
  content: string;
  /** SHA-256 of the UTF-8 content, hex */
  contentHash: string;
  addedAt: Date;
  addedBy: string;
}

/** What was sent for signature. */
export interface SigningRequestEntry {
  documentVersion: number;
  contentHash: string;
  signerBoard: string;
  sentAt: Date;
  sentBy: string;
  provider: string;
  reference: string;
}

export interface SignatureEntry {
  signerName: string;
  signerId: string;
  board: string;
  signedAt: Date;
  contentHash: string;
  documentVersion: number;
  provider: string;
}

/** A service added after the agreement's validFrom (e.g. OSO_SWV by the SWV extension). */
export interface ServiceStart {
  service: ServiceCode;
  from: string;
}

export interface AgreementDocument {
  id: string;
  /** bevoegd gezag nummer */
  boardNummer: string;
  type: AgreementType;
  status: AgreementStatus;
  services: ServiceCode[];
  validFrom: string | null;
  validUntil: string | null;
  signedAt: Date | null;
  signedBy: string | null;
  imported: boolean;
  /** optimistic concurrency */
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** Services covered from a later day than validFrom. Absent in older documents: none. */
  serviceStarts?: ServiceStart[];
  /** For an SWV extension request: the agreement it extends. */
  extensionOf?: string | null;
  documents?: ContractDocumentEntry[];
  signing?: SigningRequestEntry | null;
  signature?: SignatureEntry | null;
  /**
   * Unique: `board:type` (or `extension:<agreement id>`) while the agreement is live, so a
   * board has at most one live agreement per type; `closed:<id>` once final.
   */
  liveKey?: string;
}

/** One entry of the append-only agreement history. */
export interface AgreementHistoryDocument {
  agreementId: string;
  /** the agreement's version after the change (unique with agreementId) */
  version: number;
  at: Date;
  by: string;
  byId: string;
  role: string;
  action: AgreementAction;
  from: AgreementStatus | null;
  to: AgreementStatus;
  note: string | null;
  before: AgreementDocument | null;
  after: AgreementDocument;
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

/** An organisation change as read from the organisations change feed (recorded once). */
export interface OrganisationChangeDocument {
  id: string;
  sequence: number;
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
  processedAt: Date;
}

export type ReviewReason = 'SCHOOL_MOVED_OUT' | 'SCHOOL_MOVED_IN' | 'BOARD_MERGED' | 'BOARD_CLOSED' | 'SCHOOL_CLOSED';
export type ReviewItemStatus = 'OPEN' | 'RESOLVED';

export interface ReviewItemDocument {
  id: string;
  boardNummer: string;
  reason: ReviewReason;
  status: ReviewItemStatus;
  description: string;
  /** unique with boardNummer and reason: following the feed twice creates nothing twice */
  changeId: string;
  changeKind: OrganisationChangeKind;
  importId: string;
  effectiveDate: string;
  brins: string[];
  agreementIds: string[];
  suggestedActions: string[];
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolution: string | null;
  version: number;
}

/** One change to a review item (append-only; unique itemId + version). */
export interface ReviewItemHistoryDocument {
  itemId: string;
  version: number;
  at: Date;
  by: string;
  action: 'RESOLVED';
  note: string | null;
  /** the item as this change leaves it (applied by a later writer if this one died) */
  after: ReviewItemDocument;
}

/** Where following the change feed resumes. */
export interface FeedStateDocument {
  _id: string;
  cursor: string | null;
  lastSequence: number | null;
  updatedAt: Date;
}

export interface BoardRef {
  bevoegdGezagNummer: string;
}

export interface SchoolRef {
  brin: string;
}

export interface AgreementCoverageView {
  covered: boolean;
  agreement: AgreementDocument | null;
}

export interface FollowResultView {
  processed: number;
  itemsCreated: number;
  pages: number;
  cursor: string | null;
  reviewItems: ReviewItemDocument[];
}
