/**
 * Analysts' aggregate questions (issue 10) through the gateway, on a known data set: the demo
 * data (19 schools, 3 boards, 31EW switched LAS on 2024-08-01) plus a planned and an ended
 * mandate, three more agreements and five review items. Every number below follows from that
 * data set by hand; the comments say how.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData, SUPPLIER_A, SUPPLIER_B, SYSTEM_A, SYSTEM_B } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import type { AgreementDocument, ReviewItemDocument } from '@osr/subgraph-agreements/documents';
import type { SeedMandate } from '@osr/subgraph-mandates/seed';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

const DAY = 24 * 60 * 60 * 1000;
const T = new Date('2022-08-15T00:00:00.000Z');

function extraMandate(id: string, fields: Pick<SeedMandate, 'serviceCode' | 'systemId' | 'brin' | 'boardNummer' | 'startDate' | 'endDate'>): SeedMandate {
  return { id, ...fields, origin: 'OSR', version: 1, createdAt: T, createdBy: 'test', updatedAt: T, lastReviewedAt: null, lastReviewedBy: null };
}

function agreement(fields: Partial<AgreementDocument> & Pick<AgreementDocument, 'id' | 'boardNummer' | 'status' | 'services' | 'validFrom'>): AgreementDocument {
  return { type: 'OSO', validUntil: null, signedAt: null, signedBy: null, imported: true, version: 1, createdAt: T, updatedAt: T, ...fields };
}

function reviewItem(id: string, boardNummer: string, reason: ReviewItemDocument['reason'], createdAt: string, resolvedAt: string | null): ReviewItemDocument {
  return {
    id, boardNummer, reason, status: resolvedAt ? 'RESOLVED' : 'OPEN', description: id, changeId: `c-${id}`, changeKind: 'SCHOOL_MOVED',
    importId: 'i1', effectiveDate: createdAt.slice(0, 10), brins: [], agreementIds: [], suggestedActions: [], createdAt: new Date(createdAt),
    resolvedAt: resolvedAt ? new Date(resolvedAt) : null, resolvedBy: resolvedAt ? 'support' : null, resolution: resolvedAt ? 'checked' : null, version: 1,
  };
}

describe('aggregate questions through the gateway', () => {
  let system: RunningSystem;
  let analyst: Record<string, string>;
  const sentLongAgo = new Date(Date.now() - 40 * DAY);
  const sentRecently = new Date(Date.now() - 3 * DAY);

  const ask = async <T,>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = analyst) => {
    const res = await graphql<T>(system.gatewayUrl, query, variables, headers);
    return res;
  };
  const data = async <T,>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = analyst): Promise<T> => {
    const res = await ask<T>(query, variables, headers);
    expect(res.errors).toBeUndefined();
    return res.data as T;
  };

  beforeAll(async () => {
    const demo = buildDemoData();
    // 16EF (board 42001, inactive OV aanleverpunt) gets an OSO OV mandate from 2025-11-01:
    // PLANNED on 2025-10-01. 18JK (43555) had an OSO SWV mandate 2023-01-01..2025-06-30.
    demo.mandates.mandates.push(
      extraMandate('m-16EF-ov', { serviceCode: 'OSO_OV', systemId: SYSTEM_B, brin: '16EF', boardNummer: '42001', startDate: '2025-11-01', endDate: null }),
      extraMandate('m-18JK-swv', { serviceCode: 'OSO_SWV', systemId: SYSTEM_A, brin: '18JK', boardNummer: '43555', startDate: '2023-01-01', endDate: '2025-06-30' }),
    );
    demo.agreements.agreements.push(
      // 43555: OSO since 2024, OSO SWV from 2025-09-01
      agreement({ id: 'a-43555-oso', boardNummer: '43555', status: 'SIGNED', services: ['OSO_OV', 'OSO_SWV'], validFrom: '2024-01-01', serviceStarts: [{ service: 'OSO_SWV', from: '2025-09-01' }] }),
      // 46000: terminated at the end of 2023
      agreement({ id: 'a-46000-oso', boardNummer: '46000', status: 'TERMINATED', services: ['OSO_OV'], validFrom: '2020-01-01', validUntil: '2023-12-31' }),
      // waiting for signature: 44000 for 40 days, 42001's SWV extension for 3 days; 45000 only requested
      agreement({ id: 'a-44000-oso', boardNummer: '44000', status: 'SENT_FOR_SIGNATURE', services: ['OSO_OV'], validFrom: null,
        signing: { documentVersion: 1, contentHash: 'h', signerBoard: '44000', sentAt: sentLongAgo, sentBy: 'support', provider: 'local', reference: 'r1' } }),
      agreement({ id: 'a-42001-swv', boardNummer: '42001', status: 'SENT_FOR_SIGNATURE', services: ['OSO_SWV'], validFrom: null, extensionOf: 'a-42001-oso',
        signing: { documentVersion: 1, contentHash: 'h', signerBoard: '42001', sentAt: sentRecently, sentBy: 'support', provider: 'local', reference: 'r2' } }),
      agreement({ id: 'a-45000-oso', boardNummer: '45000', status: 'REQUESTED', services: ['OSO_OV'], validFrom: null }),
    );
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, demo);
    system = await startSystem(prefix);
    await system.subgraphs.agreements.database.db.collection<ReviewItemDocument>('review_items').insertMany([
      reviewItem('r1', '41234', 'SCHOOL_MOVED_OUT', '2025-09-29T10:00:00.000Z', null),
      reviewItem('r2', '42001', 'SCHOOL_MOVED_IN', '2025-09-29T10:00:00.000Z', null),
      reviewItem('r3', '42001', 'SCHOOL_MOVED_IN', '2025-08-15T10:00:00.000Z', null),
      reviewItem('r4', '43555', 'BOARD_CLOSED', '2025-05-01T10:00:00.000Z', '2025-09-15T10:00:00.000Z'),
      reviewItem('r5', '41234', 'SCHOOL_CLOSED', '2025-09-20T10:00:00.000Z', '2025-09-25T10:00:00.000Z'),
    ]);
    analyst = await bearer({ role: 'ANALYST' });
  });
  afterAll(() => system?.stop());

  const COUNTS = `query ($asOf: Date, $services: [ServiceCode!], $groupBy: [MandateDimension!]!) {
    mandateCounts(asOf: $asOf, services: $services, groupBy: $groupBy) {
      service status system { id } supplier { oin name } origin board { bevoegdGezagNummer } sector count
    }
  }`;
  type Row = { service: string | null; status: string | null; system: { id: string } | null; supplier: { oin: string; name: string } | null; origin: string | null; board: { bevoegdGezagNummer: string } | null; sector: string | null; count: number };
  const rows = async (variables: Record<string, unknown>, headers?: Record<string, string>) =>
    (await data<{ mandateCounts: Row[] }>(COUNTS, variables, headers)).mandateCounts;
  const empty = { service: null, status: null, system: null, supplier: null, origin: null, board: null, sector: null };

  it('counts mandates per service and status on 1 October 2025: the switched 31EW mandate ENDED, 16EF PLANNED, 18JK SWV ENDED', async () => {
    // OSO OV: 16 migrated (12 + 2 + 2 active points), 31EW's new one, 16EF's planned one = 18.
    // On 2025-10-01: 31EW's migrated one ended, the new one active: 16 active, 1 ended, 1 planned.
    // OSO SWV: 6 migrated (5 + 0 + 1) active, 18JK's ended.
    expect(await rows({ asOf: '2025-10-01', groupBy: ['SERVICE', 'STATUS'] })).toEqual([
      { ...empty, service: 'OSO_OV', status: 'ACTIVE', count: 16 },
      { ...empty, service: 'OSO_OV', status: 'ENDED', count: 1 },
      { ...empty, service: 'OSO_OV', status: 'PLANNED', count: 1 },
      { ...empty, service: 'OSO_SWV', status: 'ACTIVE', count: 6 },
      { ...empty, service: 'OSO_SWV', status: 'ENDED', count: 1 },
    ]);
  });

  it('counts active OSO SWV mandates per supplier on 1 October 2025 (supplier derived from the system)', async () => {
    // Voorbeeld LAS: 00AV 02DF 04JK 25BE 17GH; LDD: 12WX. 18JK's (Voorbeeld) ended in June.
    const result = await rows({ asOf: '2025-10-01', services: ['OSO_SWV'], groupBy: ['STATUS', 'SUPPLIER'] });
    expect(result.filter((r) => r.status === 'ACTIVE')).toEqual([
      { ...empty, status: 'ACTIVE', supplier: SUPPLIER_A, count: 5 },
      { ...empty, status: 'ACTIVE', supplier: SUPPLIER_B, count: 1 },
    ]);
    expect(result.filter((r) => r.status !== 'ACTIVE')).toEqual([{ ...empty, status: 'ENDED', supplier: SUPPLIER_A, count: 1 }]);
  });

  it('counts per sector (from the organisations subgraph), system and origin', async () => {
    // OSO OV on 2025-10-01: PO 10 of 41234 (31EW on its new LAS) + 2 of 42001 active; VO 4.
    expect(await rows({ asOf: '2025-10-01', services: ['OSO_OV'], groupBy: ['STATUS', 'SECTOR'] })).toEqual([
      { ...empty, status: 'ACTIVE', sector: 'PO', count: 12 },
      { ...empty, status: 'ACTIVE', sector: 'VO', count: 4 },
      { ...empty, status: 'ENDED', sector: 'PO', count: 1 },
      { ...empty, status: 'PLANNED', sector: 'PO', count: 1 },
    ]);
    // All 25 mandates by system and origin: Voorbeeld LAS 10 OV (incl. 31EW's old one) + 5 SWV
    // migrated; LDD 6 OV + 1 SWV migrated; OSR: 31EW's new and 16EF's (LDD), 18JK's SWV (Voorbeeld).
    expect(await rows({ asOf: '2025-10-01', groupBy: ['SYSTEM', 'ORIGIN'] })).toEqual([
      { ...empty, system: { id: SYSTEM_B }, origin: 'OSO_MIGRATION', count: 7 },
      { ...empty, system: { id: SYSTEM_B }, origin: 'OSR', count: 2 },
      { ...empty, system: { id: SYSTEM_A }, origin: 'OSO_MIGRATION', count: 15 },
      { ...empty, system: { id: SYSTEM_A }, origin: 'OSR', count: 1 },
    ]);
  });

  it('answers asOf in the past: before the migration everything was PLANNED; on the switch day the old mandate had ended', async () => {
    expect(await rows({ asOf: '2022-08-14', services: ['OSO_OV'], groupBy: ['STATUS'] })).toEqual([{ ...empty, status: 'PLANNED', count: 18 }]);
    // 2024-07-31 is the old 31EW mandate's last day: still active, the new one planned.
    expect(await rows({ asOf: '2024-07-31', services: ['OSO_OV'], groupBy: ['STATUS'] })).toEqual([
      { ...empty, status: 'ACTIVE', count: 16 },
      { ...empty, status: 'PLANNED', count: 2 },
    ]);
    expect(await rows({ asOf: '2024-08-01', services: ['OSO_OV'], groupBy: ['STATUS', 'BOARD'] })).toEqual([
      { ...empty, status: 'ACTIVE', board: { bevoegdGezagNummer: '41234' }, count: 12 },
      { ...empty, status: 'ACTIVE', board: { bevoegdGezagNummer: '42001' }, count: 2 },
      { ...empty, status: 'ACTIVE', board: { bevoegdGezagNummer: '43555' }, count: 2 },
      { ...empty, status: 'ENDED', board: { bevoegdGezagNummer: '41234' }, count: 1 },
      { ...empty, status: 'PLANNED', board: { bevoegdGezagNummer: '42001' }, count: 1 },
    ]);
  });

  const SERIES = `query ($from: Date!, $to: Date!, $services: [ServiceCode!]) {
    mandateCountSeries(from: $from, to: $to, services: $services) { month date service active }
  }`;

  it('gives a month series across the 31EW system switch: the old mandate counts until 31 July, the new one from 1 August, never both', async () => {
    const { mandateCountSeries } = await data<{ mandateCountSeries: unknown[] }>(SERIES, { from: '2024-06-01', to: '2024-09-15', services: ['OSO_OV'] });
    expect(mandateCountSeries).toEqual([
      { month: '2024-06', date: '2024-06-30', service: 'OSO_OV', active: 16 },
      { month: '2024-07', date: '2024-07-31', service: 'OSO_OV', active: 16 },
      { month: '2024-08', date: '2024-08-31', service: 'OSO_OV', active: 16 },
      { month: '2024-09', date: '2024-09-15', service: 'OSO_OV', active: 16 },
    ]);
    // Only board 41234's figures, as its own staff see them: also 12 on both sides of the switch.
    const board = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] });
    const own = await data<{ mandateCountSeries: { active: number }[] }>(SERIES, { from: '2024-07-01', to: '2024-08-31', services: ['OSO_OV'] }, board);
    expect(own.mandateCountSeries.map((m) => m.active)).toEqual([12, 12]);
  });

  it('gives a month series from the recorded dates, not today\'s status: the migration month, and 18JK\'s SWV mandate ending in June 2025', async () => {
    const migration = await data<{ mandateCountSeries: unknown[] }>(SERIES, { from: '2022-07-01', to: '2022-08-31' });
    expect(migration.mandateCountSeries).toEqual([
      { month: '2022-07', date: '2022-07-31', service: 'OSO_OV', active: 0 },
      { month: '2022-07', date: '2022-07-31', service: 'OSO_SWV', active: 0 },
      { month: '2022-08', date: '2022-08-31', service: 'OSO_OV', active: 16 },
      { month: '2022-08', date: '2022-08-31', service: 'OSO_SWV', active: 6 },
    ]);
    const swv = await data<{ mandateCountSeries: { active: number }[] }>(SERIES, { from: '2025-05-01', to: '2025-07-31', services: ['OSO_SWV'] });
    expect(swv.mandateCountSeries.map((m) => m.active)).toEqual([7, 7, 6]);
  });

  it('gives the same series from the month keys (all services asked) as from the per-school rows (OSO services asked), month ends and a partial last month alike', async () => {
    // Without `services` the series is counted from the month keys stored in the mandates;
    // with OSO services only, from the per-school rows. Both must give the same numbers:
    // 31EW's old mandate ends on 31 July 2024 (a month end, counted in July), 18JK's SWV
    // mandate on 30 June 2025 (counted in June, not in July).
    const pick = (rows: { month: string; service: string; active: number }[], service: string) => rows.filter((r) => r.service === service).map((r) => [r.month, r.active]);
    const all = (await data<{ mandateCountSeries: { month: string; service: string; active: number }[] }>(SERIES, { from: '2024-06-01', to: '2024-09-15' })).mandateCountSeries;
    expect(pick(all, 'OSO_OV')).toEqual([['2024-06', 16], ['2024-07', 16], ['2024-08', 16], ['2024-09', 16]]);
    const swv = (await data<{ mandateCountSeries: { month: string; service: string; active: number }[] }>(SERIES, { from: '2025-05-01', to: '2025-07-31' })).mandateCountSeries;
    expect(pick(swv, 'OSO_SWV')).toEqual([['2025-05', 7], ['2025-06', 7], ['2025-07', 6]]);
    // a board's own figures, from its month keys
    const board = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] });
    const own = (await data<{ mandateCountSeries: { month: string; service: string; active: number }[] }>(SERIES, { from: '2024-07-01', to: '2024-08-31' }, board)).mandateCountSeries;
    expect(pick(own, 'OSO_OV')).toEqual([['2024-07', 12], ['2024-08', 12]]);
  });

  it('refuses a series that ends before it starts or spans more than 120 months', async () => {
    expect((await ask(SERIES, { from: '2025-01-01', to: '2024-01-01' })).errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect((await ask(SERIES, { from: '2000-01-01', to: '2025-01-01' })).errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  const COVERAGE = `query ($service: ServiceCode!, $asOf: Date, $groupBy: CoverageDimension) {
    mandateCoverage(service: $service, asOf: $asOf, groupBy: $groupBy) {
      service asOf schools covered uncovered uncoveredWithInactiveAanleverpunt
      groups {
        board { bevoegdGezagNummer name } sector samenwerkingsverband { code name }
        schools covered uncovered uncoveredWithInactiveAanleverpunt uncoveredSchools { brin name }
      }
    }
  }`;
  type Coverage = { schools: number; covered: number; uncovered: number; uncoveredWithInactiveAanleverpunt: number; groups: Record<string, unknown>[] };
  const coverage = async (variables: Record<string, unknown>, headers?: Record<string, string>) =>
    (await data<{ mandateCoverage: Coverage }>(COVERAGE, variables, headers)).mandateCoverage;
  const noKeys = { board: null, sector: null, samenwerkingsverband: null };

  it('finds the schools without an active OSO OV mandate per board, with names joined from the organisations subgraph', async () => {
    // 19 schools; 05LM and 09UV (41234) and 16EF (42001, planned only) lack one; all three
    // had an inactive OV aanleverpunt.
    const result = await coverage({ service: 'OSO_OV', asOf: '2025-10-01', groupBy: 'BOARD' });
    expect(result).toMatchObject({ schools: 19, covered: 16, uncovered: 3, uncoveredWithInactiveAanleverpunt: 3 });
    expect(result.groups).toEqual([
      { ...noKeys, board: { bevoegdGezagNummer: '41234', name: 'Stichting Voorbeeld Onderwijs Noord' }, schools: 14, covered: 12, uncovered: 2, uncoveredWithInactiveAanleverpunt: 2,
        uncoveredSchools: [{ brin: '05LM', name: 'Basisschool Het Anker' }, { brin: '09UV', name: 'Basisschool Øresund' }] },
      { ...noKeys, board: { bevoegdGezagNummer: '42001', name: 'Stichting Openbaar Onderwijs Maasland' }, schools: 3, covered: 2, uncovered: 1, uncoveredWithInactiveAanleverpunt: 1,
        uncoveredSchools: [{ brin: '16EF', name: 'Openbare Basisschool Mosae' }] },
      { ...noKeys, board: { bevoegdGezagNummer: '43555', name: 'Vereniging Christelijk VO Midden' }, schools: 2, covered: 2, uncovered: 0, uncoveredWithInactiveAanleverpunt: 0, uncoveredSchools: [] },
    ]);
    // Once 16EF's mandate has started, only 41234's two remain.
    expect(await coverage({ service: 'OSO_OV', asOf: '2026-01-01' })).toMatchObject({ schools: 19, covered: 17, uncovered: 2, uncoveredWithInactiveAanleverpunt: 2, groups: [] });
  });

  it('finds the gaps per sector and per SWV region', async () => {
    const bySector = await coverage({ service: 'OSO_OV', asOf: '2025-10-01', groupBy: 'SECTOR' });
    expect(bySector.groups.map(({ uncoveredSchools: _s, ...g }) => g)).toEqual([
      { ...noKeys, sector: 'PO', schools: 15, covered: 12, uncovered: 3, uncoveredWithInactiveAanleverpunt: 3 },
      { ...noKeys, sector: 'VO', schools: 4, covered: 4, uncovered: 0, uncoveredWithInactiveAanleverpunt: 0 },
    ]);
    const bySwv = await coverage({ service: 'OSO_OV', asOf: '2025-10-01', groupBy: 'SWV' });
    expect(bySwv.groups.map((g) => [(g['samenwerkingsverband'] as { code: string }).code, g['schools'], g['covered'], g['uncovered']])).toEqual([
      ['PO2001', 12, 10, 2],
      ['PO3101', 3, 2, 1],
      ['VO2001', 2, 2, 0],
      ['VO2507', 2, 2, 0],
    ]);
  });

  it('finds the OSO SWV gaps: 13 schools, one of them (07QR) with an inactive SWV aanleverpunt', async () => {
    // Active SWV mandates on 2025-10-01: 00AV 02DF 04JK 25BE 12WX 17GH (18JK's ended).
    expect(await coverage({ service: 'OSO_SWV', asOf: '2025-10-01' })).toMatchObject({ schools: 19, covered: 6, uncovered: 13, uncoveredWithInactiveAanleverpunt: 1 });
  });

  it('shows a board with OSR_TOEGANG its own figures only, and refuses public callers, suppliers and boards without the right', async () => {
    const board = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] });
    expect(await coverage({ service: 'OSO_OV', asOf: '2025-10-01' }, board)).toMatchObject({ schools: 3, covered: 2, uncovered: 1, uncoveredWithInactiveAanleverpunt: 1 });
    expect(await rows({ asOf: '2025-10-01', groupBy: ['SERVICE', 'STATUS'] }, board)).toEqual([
      { ...empty, service: 'OSO_OV', status: 'ACTIVE', count: 2 },
      { ...empty, service: 'OSO_OV', status: 'PLANNED', count: 1 },
    ]);
    const refused = [
      {},
      await bearer({ role: 'SUPPLIER', supplier: SUPPLIER_A.oin }),
      await bearer({ role: 'BOARD', board: '42001', rights: [] }),
    ];
    for (const headers of refused) {
      for (const query of [
        '{ mandateCounts(groupBy: [SERVICE]) { count } }',
        '{ mandateCountSeries(from: "2025-01-01", to: "2025-02-01") { active } }',
        '{ mandateCoverage { uncovered } }',
        '{ agreementCounts { boardsWithOsoAgreement } }',
        '{ reviewItemCounts { count } }',
      ]) {
        const res = await ask(query, undefined, headers);
        expect(res.errors?.[0]?.extensions?.['code'], query).toBe('FORBIDDEN');
      }
    }
  });

  const AGREEMENTS = `query ($asOf: Date) {
    agreementCounts(asOf: $asOf) {
      asOf boardsWithOsoAgreement boardsWithSwvExtension boardsWithoutSwvExtension requested waitingForSignature
      waitingByAge { age count } oldestWaitingSince
    }
  }`;

  it('counts boards with an OSO agreement, with and without the SWV extension, on a date', async () => {
    const waiting = { requested: 1, waitingForSignature: 2, waitingByAge: [{ age: 'DAYS_0_7', count: 1 }, { age: 'DAYS_31_90', count: 1 }], oldestWaitingSince: sentLongAgo.toISOString() };
    // 2025-10-01: 41234 (OV+SWV), 43555 (SWV since 2025-09-01), 42001 (OV only).
    expect((await data<{ agreementCounts: unknown }>(AGREEMENTS, { asOf: '2025-10-01' })).agreementCounts).toEqual({
      asOf: '2025-10-01', boardsWithOsoAgreement: 3, boardsWithSwvExtension: 2, boardsWithoutSwvExtension: 1, ...waiting,
    });
    // 2025-06-01: 43555's SWV had not started yet.
    expect((await data<{ agreementCounts: unknown }>(AGREEMENTS, { asOf: '2025-06-01' })).agreementCounts).toMatchObject({
      boardsWithOsoAgreement: 3, boardsWithSwvExtension: 1, boardsWithoutSwvExtension: 2,
    });
    // 2023-06-01: 43555 had none yet; 46000's agreement was still in force (terminated end 2023).
    expect((await data<{ agreementCounts: unknown }>(AGREEMENTS, { asOf: '2023-06-01' })).agreementCounts).toMatchObject({
      boardsWithOsoAgreement: 3, boardsWithSwvExtension: 1, boardsWithoutSwvExtension: 2,
    });
    // Board 42001 sees its own: OV only, its extension waiting 3 days.
    const board = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] });
    expect((await data<{ agreementCounts: unknown }>(AGREEMENTS, { asOf: '2025-10-01' }, board)).agreementCounts).toEqual({
      asOf: '2025-10-01', boardsWithOsoAgreement: 1, boardsWithSwvExtension: 0, boardsWithoutSwvExtension: 1,
      requested: 0, waitingForSignature: 1, waitingByAge: [{ age: 'DAYS_0_7', count: 1 }], oldestWaitingSince: sentRecently.toISOString(),
    });
  });

  const REVIEW = 'query ($asOf: Date) { reviewItemCounts(asOf: $asOf) { reason age count } }';

  it('counts the review items open on a date by reason and age', async () => {
    // End of 2025-10-01: r1, r2 (2 days old), r3 (47 days); r4 and r5 were resolved by then.
    expect((await data<{ reviewItemCounts: unknown }>(REVIEW, { asOf: '2025-10-01' })).reviewItemCounts).toEqual([
      { reason: 'SCHOOL_MOVED_IN', age: 'DAYS_0_7', count: 1 },
      { reason: 'SCHOOL_MOVED_OUT', age: 'DAYS_0_7', count: 1 },
      { reason: 'SCHOOL_MOVED_IN', age: 'DAYS_31_90', count: 1 },
    ]);
    // End of 2025-09-01: r3 (17 days), r4 (123 days, resolved later); r1, r2, r5 not raised yet.
    expect((await data<{ reviewItemCounts: unknown }>(REVIEW, { asOf: '2025-09-01' })).reviewItemCounts).toEqual([
      { reason: 'SCHOOL_MOVED_IN', age: 'DAYS_8_30', count: 1 },
      { reason: 'BOARD_CLOSED', age: 'OVER_90_DAYS', count: 1 },
    ]);
    const board = await bearer({ role: 'BOARD', board: '42001', rights: ['OSR_TOEGANG'] });
    expect((await data<{ reviewItemCounts: unknown }>(REVIEW, { asOf: '2025-10-01' }, board)).reviewItemCounts).toEqual([
      { reason: 'SCHOOL_MOVED_IN', age: 'DAYS_0_7', count: 1 },
      { reason: 'SCHOOL_MOVED_IN', age: 'DAYS_31_90', count: 1 },
    ]);
  });

  it('prices the aggregates by their small result lists, so an analyst can ask them together in one request', async () => {
    const res = await ask(`{
      mandateCounts(groupBy: [SERVICE, STATUS, SUPPLIER]) { service status supplier { name } count }
      mandateCountSeries(from: "2024-01-01", to: "2024-12-31") { month service active }
      mandateCoverage(groupBy: BOARD) { uncovered groups { board { name } uncovered uncoveredSchools(first: 500) { brin name } } }
      agreementCounts { boardsWithOsoAgreement waitingByAge { age count } }
      reviewItemCounts { reason age count }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.status).toBe(200);
  });
});
