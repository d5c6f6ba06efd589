/**
 * The demo data set: small, realistic and deterministic. Names and numbers are fictitious
 * except where shared/docs/domain.md gives them (example identifiers, support contacts).
 *
 * - 3 boards; board 41234 has 14 schools (12 PO, 2 VO), 42001 has 3 PO, 43555 has 2 VO.
 * - Every school has aanleverpunt 1 (OSO OV); some also point 2 (OSO SWV); some are inactive
 *   (those schools never finished connecting and got no mandate).
 * - Active points were migrated to OSO mandates on 15 August 2022, from two suppliers with
 *   one LAS each. School 31EW switched LAS on 1 August 2024 (the old mandate has ENDED).
 * - OSO agreements for 41234 (with the SWV extension) and 42001 (OSO OV only).
 * - The support contacts from shared/docs/domain.md, current and retired.
 */
import type { AgreementsSeed } from '@osr/subgraph-agreements/seed';
import type { MandatesSeed, SeedMandate } from '@osr/subgraph-mandates/seed';
import type { AanleverpuntDocument } from '@osr/subgraph-mandates/documents';
import { REFERENCE_SERVICES } from '@osr/subgraph-mandates/service-catalogue';
import type { OrganisationsSeed } from '@osr/subgraph-organisations/seed';
import type { SchoolDocument } from '@osr/subgraph-organisations/documents';
import type { SupportSeed } from '@osr/subgraph-support/seed';

export interface DemoData {
  organisations: OrganisationsSeed;
  mandates: MandatesSeed;
  agreements: AgreementsSeed;
  support: SupportSeed;
}

/** When the demo RIO snapshot was taken. */
const RIO_SYNCED_AT = new Date('2026-11-01T06:00:00.000Z');
const SEEDED_AT = new Date('2022-08-15T00:00:00.000Z');
export const MIGRATION_DATE = '2022-08-15';

export const SUPPLIER_A = { oin: '00000003272448340204', name: 'Voorbeeld Schoolsoftware B.V.' };
export const SUPPLIER_B = { oin: '00000003512345670000', name: 'Leerling Data Diensten B.V.' };
export const SYSTEM_A = 'voorbeeld-las';
export const SYSTEM_B = 'ldd-las';

interface SchoolSpec {
  brin: string;
  name: string;
  sector: 'PO' | 'VO';
  kind: string;
  city: string;
  swv: string;
  /** system of aanleverpunt 1 (OV); null = inactive point */
  ov: { system: string; active: boolean };
  /** aanleverpunt 2 (SWV), if the school registered one */
  swvPoint?: { system: string; active: boolean };
}

const BOARD_41234: SchoolSpec[] = [
  { brin: '00AV', name: 'Basisschool De Regenboog', sector: 'PO', kind: 'BAS', city: 'Groningen', swv: 'PO2001', ov: { system: SYSTEM_A, active: true }, swvPoint: { system: SYSTEM_A, active: true } },
  { brin: '01BC', name: 'Sint-Jozefschool', sector: 'PO', kind: 'BAS', city: 'Groningen', swv: 'PO2001', ov: { system: SYSTEM_A, active: true } },
  { brin: '02DF', name: 'Openbare Basisschool Het Kompas', sector: 'PO', kind: 'BAS', city: 'Haren', swv: 'PO2001', ov: { system: SYSTEM_A, active: true }, swvPoint: { system: SYSTEM_A, active: true } },
  { brin: '03GH', name: 'Basisschool De Wilgen', sector: 'PO', kind: 'BAS', city: 'Hoogezand', swv: 'PO2001', ov: { system: SYSTEM_B, active: true } },
  { brin: '04JK', name: 'Speciale Basisschool De Brug', sector: 'PO', kind: 'SBAS', city: 'Groningen', swv: 'PO2001', ov: { system: SYSTEM_A, active: true }, swvPoint: { system: SYSTEM_A, active: true } },
  { brin: '05LM', name: 'Basisschool Het Anker', sector: 'PO', kind: 'BAS', city: 'Zuidhorn', swv: 'PO2001', ov: { system: SYSTEM_B, active: false } },
  { brin: '06NP', name: 'Basisschool De Zonnewijzer', sector: 'PO', kind: 'BAS', city: 'Leek', swv: 'PO2001', ov: { system: SYSTEM_A, active: true } },
  { brin: '07QR', name: 'Basisschool Één Wereld', sector: 'PO', kind: 'BAS', city: 'Groningen', swv: 'PO2001', ov: { system: SYSTEM_B, active: true }, swvPoint: { system: SYSTEM_B, active: false } },
  { brin: '08ST', name: 'Basisschool De Vlinder', sector: 'PO', kind: 'BAS', city: 'Winsum', swv: 'PO2001', ov: { system: SYSTEM_A, active: true } },
  { brin: '09UV', name: 'Basisschool Øresund', sector: 'PO', kind: 'BAS', city: 'Delfzijl', swv: 'PO2001', ov: { system: SYSTEM_A, active: false } },
  { brin: '25BE', name: 'Basisschool De Sterrenwacht', sector: 'PO', kind: 'BAS', city: 'Groningen', swv: 'PO2001', ov: { system: SYSTEM_A, active: true }, swvPoint: { system: SYSTEM_A, active: true } },
  { brin: '31EW', name: 'Basisschool Het Palet', sector: 'PO', kind: 'BAS', city: 'Appingedam', swv: 'PO2001', ov: { system: SYSTEM_A, active: true } },
  { brin: '12WX', name: 'Noorderpoort College', sector: 'VO', kind: 'VOS', city: 'Groningen', swv: 'VO2001', ov: { system: SYSTEM_B, active: true }, swvPoint: { system: SYSTEM_B, active: true } },
  { brin: '13YZ', name: 'Scholengemeenschap Het Wad', sector: 'VO', kind: 'VOS', city: 'Winsum', swv: 'VO2001', ov: { system: SYSTEM_B, active: true } },
];

const BOARD_42001: SchoolSpec[] = [
  { brin: '14AB', name: 'Openbare Basisschool De Linde', sector: 'PO', kind: 'BAS', city: 'Maastricht', swv: 'PO3101', ov: { system: SYSTEM_B, active: true } },
  { brin: '15CD', name: 'Openbare Basisschool De Maas', sector: 'PO', kind: 'BAS', city: 'Maastricht', swv: 'PO3101', ov: { system: SYSTEM_B, active: true } },
  { brin: '16EF', name: 'Openbare Basisschool Mosae', sector: 'PO', kind: 'BAS', city: 'Meerssen', swv: 'PO3101', ov: { system: SYSTEM_B, active: false } },
];

const BOARD_43555: SchoolSpec[] = [
  { brin: '17GH', name: 'Christelijk Lyceum Midden', sector: 'VO', kind: 'VOS', city: 'Utrecht', swv: 'VO2507', ov: { system: SYSTEM_A, active: true }, swvPoint: { system: SYSTEM_A, active: true } },
  { brin: '18JK', name: 'Christelijk College De Vecht', sector: 'VO', kind: 'VOS', city: 'Maarssen', swv: 'VO2507', ov: { system: SYSTEM_A, active: true } },
];

function school(spec: SchoolSpec, boardNummer: string, index: number): SchoolDocument {
  return {
    brin: spec.brin,
    name: spec.name,
    sector: spec.sector,
    kindCode: spec.kind,
    boardNummer,
    swvCodes: [spec.swv],
    startDate: `19${60 + index}-08-01`,
    endDate: null,
    vestigingen: [
      {
        vestigingsnummer: `${spec.brin}00`,
        name: spec.name,
        address: { street: 'Schoolstraat', houseNumber: String(index + 1), postcode: `97${10 + index}AB`, city: spec.city },
        municipality: spec.city,
        endDate: null,
      },
    ],
    rioSyncedAt: RIO_SYNCED_AT,
    boardHistory: [{ boardNummer, from: `19${60 + index}-08-01`, until: null }],
  };
}

function migrationMandate(brin: string, boardNummer: string, service: 'OSO_OV' | 'OSO_SWV', systemId: string): SeedMandate {
  return {
    id: `m-${brin}-${service}-${systemId}-${MIGRATION_DATE}`,
    serviceCode: service,
    systemId,
    brin,
    boardNummer,
    startDate: MIGRATION_DATE,
    endDate: null,
    origin: 'OSO_MIGRATION',
    version: 1,
    createdAt: SEEDED_AT,
    createdBy: 'oso-migration',
    updatedAt: SEEDED_AT,
    lastReviewedAt: null,
    lastReviewedBy: null,
  };
}

function mandatesFor(boardNummer: string, specs: SchoolSpec[]) {
  const mandates: SeedMandate[] = [];
  const aanleverpunten: AanleverpuntDocument[] = [];
  for (const spec of specs) {
    const points = [
      { index: 1, kind: 'OV' as const, service: 'OSO_OV' as const, point: spec.ov },
      ...(spec.swvPoint ? [{ index: 2, kind: 'SWV' as const, service: 'OSO_SWV' as const, point: spec.swvPoint }] : []),
    ];
    for (const p of points) {
      const mandate = p.point.active ? migrationMandate(spec.brin, boardNummer, p.service, p.point.system) : null;
      if (mandate) mandates.push(mandate);
      aanleverpunten.push({
        brin: spec.brin,
        index: p.index,
        kind: p.kind,
        systemId: p.point.system,
        active: p.point.active,
        mandateId: mandate?.id ?? null,
      });
    }
  }
  return { mandates, aanleverpunten };
}

export function buildDemoData(): DemoData {
  const boards = [
    { nummer: '41234', rioCode: '101B584', name: 'Stichting Voorbeeld Onderwijs Noord', kvk: '41234567', start: '1998-01-01', specs: BOARD_41234 },
    { nummer: '42001', rioCode: '102B117', name: 'Stichting Openbaar Onderwijs Maasland', kvk: '14012345', start: '2003-08-01', specs: BOARD_42001 },
    { nummer: '43555', rioCode: '103B902', name: 'Vereniging Christelijk VO Midden', kvk: '30123456', start: '1985-01-01', specs: BOARD_43555 },
  ];
  let n = 0;
  const schools = boards.flatMap((b) => b.specs.map((s) => school(s, b.nummer, n++)));

  const migrated = boards.map((b) => mandatesFor(b.nummer, b.specs));
  const mandates = migrated.flatMap((m) => m.mandates);
  const aanleverpunten = migrated.flatMap((m) => m.aanleverpunten);

  // 31EW switched LAS: the migrated mandate ended the day before the new one started.
  const old = mandates.find((m) => m.brin === '31EW' && m.serviceCode === 'OSO_OV');
  if (!old) throw new Error('demo data: 31EW has no OSO OV mandate to switch');
  old.endDate = '2024-07-31';
  old.version = 2;
  old.updatedAt = new Date('2024-06-20T10:00:00.000Z');
  mandates.push({
    ...old,
    id: 'm-31EW-OSO_OV-ldd-las-2024-08-01',
    systemId: SYSTEM_B,
    startDate: '2024-08-01',
    endDate: null,
    origin: 'OSR',
    version: 1,
    createdAt: new Date('2024-06-20T10:00:00.000Z'),
    createdBy: 'demo-board-41234',
    updatedAt: new Date('2024-06-20T10:00:00.000Z'),
  });

  return {
    organisations: {
      boards: boards.map((b) => ({
        bevoegdGezagNummer: b.nummer,
        rioCode: b.rioCode,
        name: b.name,
        kvkNummer: b.kvk,
        rsin: null,
        startDate: b.start,
        endDate: null,
        rioSyncedAt: RIO_SYNCED_AT,
      })),
      schools,
      samenwerkingsverbanden: [
        { code: 'PO2001', name: 'Samenwerkingsverband Passend Onderwijs Groningen (demo)', sector: 'PO', endDate: null, rioSyncedAt: RIO_SYNCED_AT },
        { code: 'VO2001', name: 'Samenwerkingsverband VO Groningen (demo)', sector: 'VO', endDate: null, rioSyncedAt: RIO_SYNCED_AT },
        { code: 'PO3101', name: 'Samenwerkingsverband PO Maasland (demo)', sector: 'PO', endDate: null, rioSyncedAt: RIO_SYNCED_AT },
        { code: 'VO2507', name: 'Samenwerkingsverband VO Midden (demo)', sector: 'VO', endDate: null, rioSyncedAt: RIO_SYNCED_AT },
      ],
    },
    mandates: {
      services: SERVICES,
      suppliers: [SUPPLIER_A, SUPPLIER_B],
      systems: [
        { id: SYSTEM_A, name: 'Voorbeeld LAS', kind: 'LAS', supplierOin: SUPPLIER_A.oin, services: ['OSO_OV', 'OSO_SWV', 'ROD_PO', 'VERZUIM'] },
        { id: SYSTEM_B, name: 'LDD Leerlingvolgsysteem', kind: 'LAS', supplierOin: SUPPLIER_B.oin, services: ['OSO_OV', 'OSO_SWV', 'ROD_PO', 'ROD_VO', 'CENTRAAL_EXAMEN_VO'] },
      ],
      mandates,
      aanleverpunten,
    },
    agreements: {
      agreements: [
        {
          id: 'a-41234-oso', boardNummer: '41234', type: 'OSO', status: 'SIGNED', services: ['OSO_OV', 'OSO_SWV'],
          validFrom: '2019-03-01', validUntil: null, signedAt: new Date('2019-03-01T09:30:00.000Z'),
          signedBy: 'J. de Vries', imported: true, version: 1, createdAt: SEEDED_AT, updatedAt: SEEDED_AT,
        },
        {
          id: 'a-41234-osr-user', boardNummer: '41234', type: 'OSR_USER', status: 'SIGNED', services: [],
          validFrom: '2022-06-01', validUntil: null, signedAt: new Date('2022-06-01T12:00:00.000Z'),
          signedBy: 'J. de Vries', imported: true, version: 1, createdAt: SEEDED_AT, updatedAt: SEEDED_AT,
        },
        {
          id: 'a-42001-oso', boardNummer: '42001', type: 'OSO', status: 'SIGNED', services: ['OSO_OV'],
          validFrom: '2020-09-15', validUntil: null, signedAt: new Date('2020-09-15T08:00:00.000Z'),
          signedBy: 'M. Janssen', imported: true, version: 1, createdAt: SEEDED_AT, updatedAt: SEEDED_AT,
        },
      ],
    },
    support: {
      contacts: [
        { id: 'kennisnet-support-email', channel: 'EMAIL', value: 'support@kennisnet.nl', label: 'Kennisnet Support', topics: ['GENERAL', 'NEW_AGREEMENT', 'SWV_EXTENSION', 'ORGANISATION_CHANGE', 'OSO'], validFrom: null, validUntil: null, replacedById: null, services: [] },
        { id: 'kennisnet-support-phone', channel: 'PHONE', value: '0800 321 22 33', label: 'Kennisnet Support', topics: ['GENERAL', 'NEW_AGREEMENT', 'SWV_EXTENSION', 'ORGANISATION_CHANGE', 'OSO'], validFrom: null, validUntil: null, replacedById: null, services: [] },
        { id: 'oso-servicedesk-email', channel: 'EMAIL', value: 'servicedesk@oso-od.nl', label: 'OSO servicedesk', topics: ['OSO'], validFrom: null, validUntil: '2022-08-14', replacedById: 'kennisnet-support-email', services: ['OSO_OV', 'OSO_SWV'] },
        { id: 'mijn-oso-page', channel: 'WEB', value: 'Mijn OSO', label: 'Mijn OSO', topics: ['OSO'], validFrom: null, validUntil: '2022-08-14', replacedById: 'kennisnet-support-email', services: ['OSO_OV', 'OSO_SWV'] },
      ],
    },
  };
}

/** The service catalogue. Codes and the board-level choice for RIO are this project's decisions. */
/** The demo's services are the register's reference catalogue (put in place on every start). */
export const SERVICES: MandatesSeed['services'] = [...REFERENCE_SERVICES];
