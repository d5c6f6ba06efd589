/**
 * The facts of a mandate: the fields the kept aggregates filter and group by
 * (read-model/aggregates.ts), and what the change journal records of each write
 * (change-journal.ts).
 *
 * They are also kept as a document of their own per mandate, in `mandate_facts` (`_id` = the
 * mandate id), and the kept aggregates are computed from that collection instead of
 * `mandates`: on FerretDB a pass costs reading and decoding every document, and a facts
 * document has half the fields of a mandate. The write hook (writes.ts) writes a mandate's
 * facts before the store writes the mandate, so a change that stopped half way is completed
 * by the store's roll forward like the mandate is; a bulk load writes both through the same
 * hook; its repair (writes.ts repair) brings the collection in step after writes around the
 * store.
 */
import type { MandateDocument, MandateOrigin, ServiceCode } from '../documents.js';
import { seriesKeys } from '../series-keys.js';
import { checksKey } from '../year-checks.js';

export interface MandateFacts {
  serviceCode: ServiceCode;
  systemId: string;
  origin: MandateOrigin;
  boardNummer: string;
  brin: string | null;
  startDate: string;
  endDate: string | null;
  seriesStart: string;
  seriesEnd: string | null;
  /** The yearly checks (year-checks.ts checksKey); null when none (also in facts written before they existed). */
  checks?: string | null;
}

/** A mandate's facts as stored in `mandate_facts`. */
export interface MandateFactsDocument extends MandateFacts {
  /** the mandate id */
  _id: string;
}

export function factsOf(m: Pick<MandateDocument, 'serviceCode' | 'systemId' | 'origin' | 'boardNummer' | 'brin' | 'startDate' | 'endDate'> & { yearChecks?: MandateDocument['yearChecks'] }): MandateFacts {
  return {
    serviceCode: m.serviceCode,
    systemId: m.systemId,
    origin: m.origin,
    boardNummer: m.boardNummer,
    brin: m.brin ?? null,
    startDate: m.startDate,
    endDate: m.endDate ?? null,
    ...seriesKeys(m),
    checks: checksKey(m.yearChecks),
  };
}

export function factsDocumentOf(m: Parameters<typeof factsOf>[0] & { id: string }): MandateFactsDocument {
  return { _id: m.id, ...factsOf(m) };
}

const FACT_FIELDS: readonly (keyof MandateFacts)[] = ['serviceCode', 'systemId', 'origin', 'boardNummer', 'brin', 'startDate', 'endDate', 'seriesStart', 'seriesEnd', 'checks'];

/** Same facts (field by field). */
export function sameFacts(a: MandateFacts, b: MandateFacts): boolean {
  return FACT_FIELDS.every((k) => (a[k] ?? null) === (b[k] ?? null));
}
