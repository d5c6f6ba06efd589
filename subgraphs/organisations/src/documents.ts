/**
 * Stored document shapes of the organisations database (a copy of RIO). Documents carry
 * their natural key under its GraphQL name (unique index); `_id` is the store's own.
 */

export type Sector = 'PO' | 'SO' | 'VO' | 'MBO';

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
}

export interface SwvDocument {
  /** e.g. PO2202 */
  code: string;
  name: string;
  sector: Sector;
}
