/**
 * Stored document shapes of the mandates database. Documents carry their natural key under
 * its GraphQL name (unique index); `_id` is the store's own and never leaves the repository.
 */

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

export type MandateLevel = 'SCHOOL' | 'BOARD';

export interface ServiceDocument {
  code: ServiceCode;
  name: string;
  description: string;
  mandateLevel: MandateLevel;
}

export interface SupplierDocument {
  /** OIN, 20 digits */
  oin: string;
  name: string;
}

export type SystemKind = 'LAS' | 'TEST_SYSTEM' | 'SWV_SYSTEM';

export interface SystemDocument {
  id: string;
  name: string;
  kind: SystemKind;
  supplierOin: string;
  services: ServiceCode[];
}

export type MandateOrigin = 'OSO_MIGRATION' | 'OSR';

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
}

/** A mandate as resolved: the stored document plus the date its status is computed for. */
export interface MandateView extends MandateDocument {
  asOf: string;
}

export type AanleverpuntKind = 'OV' | 'SWV';

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
}

export interface BoardRef {
  bevoegdGezagNummer: string;
}
