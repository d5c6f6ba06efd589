/**
 * Stored document shapes of the agreements database. Documents carry their natural key
 * under its GraphQL name (unique index); `_id` is the store's own.
 */

export type AgreementType = 'OSR_USER' | 'OSO' | 'ENTREE' | 'NUMMERVOORZIENING';

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
}

export interface BoardRef {
  bevoegdGezagNummer: string;
}
