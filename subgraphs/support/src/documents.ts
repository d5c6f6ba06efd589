/** Stored document shapes of the support database. */

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
  services: string[];
}

export interface ServiceRef {
  code: string;
}
