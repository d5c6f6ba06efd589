/** Stored document shapes of the support database. */

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

export type ContactChannel = 'EMAIL' | 'PHONE' | 'WEB';
export type SupportTopic = 'GENERAL' | 'NEW_AGREEMENT' | 'SWV_EXTENSION' | 'ORGANISATION_CHANGE' | 'OSO';

export interface SupportContactDocument {
  id: string;
  channel: ContactChannel;
  value: string;
  label: string;
  topics: SupportTopic[];
  /** null: in use since before the register recorded it */
  validFrom: string | null;
  /** last day in use; null while current */
  validUntil: string | null;
  /** id of the contact that replaces this one once retired */
  replacedById: string | null;
  /** services this contact helps with; empty means every service */
  services: ServiceCode[];
  /** optimistic concurrency; absent in older documents: 1 */
  version?: number;
}

/** One change to a contact (append-only; unique contactId + version). */
export interface ContactHistoryDocument {
  contactId: string;
  version: number;
  at: Date;
  by: string;
  byId: string;
  action: 'ADDED' | 'RETIRED';
  before: SupportContactDocument | null;
  after: SupportContactDocument;
}

export interface ContactResolutionView {
  value: string;
  known: boolean;
  contact: SupportContactDocument | null;
  inUse: boolean;
  retiredSince: string | null;
  replacement: SupportContactDocument | null;
  message: string;
}

export interface ServiceRef {
  code: string;
}
