import type { BoardDocument, SchoolDocument, SwvDocument } from './documents.js';

/**
 * The organisations of a known data set (demo or test), as the store holds them after a RIO
 * import. Organisations enter the store only through the RIO import (src/rio/import.ts);
 * the demo set is the RIO file scripts/demo/rio-demo.json.
 */
export interface OrganisationsSeed {
  boards: BoardDocument[];
  schools: SchoolDocument[];
  samenwerkingsverbanden: SwvDocument[];
}
