/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Which OSO service an aanleverpunt delivers for. */
export type AanleverpuntKind =
  /** OSO Overstap. */
  | 'OV'
  /** OSO Samenwerkingsverbanden. */
  | 'SWV';

/** A board's grant of a mandate to a supplier's system. */
export type GrantMandateInput = {
  /** The board giving the mandate (a board user's own board): the board that holds the school on the start date. */
  bevoegdGezagNummer: string | number;
  /** The school; omit for a board-level service. */
  brin?: string | number | null | undefined;
  /** The last day; omitted: open-ended. */
  endDate?: string | null | undefined;
  /** The service the mandate is for. */
  service: ServiceCode;
  /** Today or later for a board; support may set an earlier date with a reason (a correction). */
  startDate: string;
  /** The system that may act for the school. */
  systemId: string | number;
};

/** Derived from the dates, never stored: relative to the date asked about (today by default). */
export type MandateStatus =
  /** On or after the start date and on or before the end date (if any). */
  | 'ACTIVE'
  /** After the end date. */
  | 'ENDED'
  /** Before the start date. */
  | 'PLANNED';

/** Education sector of a school (the organisations subgraph's enum, repeated for the aggregates). */
export type Sector =
  /** Middelbaar beroepsonderwijs */
  | 'MBO'
  /** Primair onderwijs */
  | 'PO'
  /** Speciaal onderwijs */
  | 'SO'
  /** Voortgezet onderwijs */
  | 'VO';

/** Services (diensten) in the education chain that route through the OSR. */
export type ServiceCode =
  | 'CENTRAAL_EXAMEN_VO'
  | 'DOORSTROOMTOETS_PO'
  /** OSO Overstap: transfer dossiers when a pupil changes school. */
  | 'OSO_OV'
  /** OSO Samenwerkingsverbanden: support requests to a samenwerkingsverband. */
  | 'OSO_SWV'
  | 'RIO'
  | 'ROD_PO'
  | 'ROD_VO'
  | 'VERZUIM'
  | 'VVA';

export type BoardOverviewQueryVariables = Exact<{
  nummer: string | number;
}>;


export type BoardOverviewQuery = { board: { bevoegdGezagNummer: string, name: string, schools: Array<{ brin: string, name: string, sector: Sector, aanleverpunten: Array<{ index: number, kind: AanleverpuntKind, active: boolean }> | null, mandates: Array<{ id: string, version: number, status: MandateStatus, startDate: string, endDate: string | null, service: { code: ServiceCode, name: string }, system: { id: string, name: string, supplier: { oin: string, name: string } } }> | null }> } | null };

export type GrantMandateMutationVariables = Exact<{
  input: GrantMandateInput;
  reason?: string | null | undefined;
}>;


export type GrantMandateMutation = { grantMandate: { mandates: Array<{ id: string, version: number, status: MandateStatus, startDate: string, endDate: string | null, service: { code: ServiceCode }, system: { name: string } }> } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const BoardOverviewDocument = new TypedDocumentString(`
    query BoardOverview($nummer: ID!) {
  board(bevoegdGezagNummer: $nummer) {
    bevoegdGezagNummer
    name
    schools {
      brin
      name
      sector
      aanleverpunten {
        index
        kind
        active
      }
      mandates(services: [OSO_OV, OSO_SWV]) {
        id
        version
        service {
          code
          name
        }
        status
        startDate
        endDate
        system {
          id
          name
          supplier {
            oin
            name
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<BoardOverviewQuery, BoardOverviewQueryVariables>;
export const GrantMandateDocument = new TypedDocumentString(`
    mutation GrantMandate($input: GrantMandateInput!, $reason: String) {
  grantMandate(input: $input, reason: $reason) {
    mandates {
      id
      version
      status
      startDate
      endDate
      service {
        code
      }
      system {
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<GrantMandateMutation, GrantMandateMutationVariables>;