/**
 * The package's bulk load and reader (src/bulk.ts, `@osr/subgraph-mandates/bulk`), from an
 * empty database: what the loaders in scripts/ write is stored with its history, the derived
 * data is the package's (a repair afterwards finds nothing to do), a bad load is refused whole
 * with every problem named, confirmations are recorded as the API records them, and forgetting the kept results leaves the stored check rows behind
 * the journal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName, type Database } from '@osr/common';
import { SUPPLIER_A, SUPPLIER_B, SYSTEM_A, SYSTEM_B } from '../../../scripts/demo-data.js';
import { databaseUri, freshPrefix } from '../../../test/support/system.js';
import { BulkLoadRejected, MandatesBulkLoad, MandatesReader, type BulkMandate } from '../src/bulk.js';
import { directAccess } from '../src/repositories/direct.js';

const at = new Date('2024-08-01T09:00:00Z');
const mandate = (id: string, fields: Partial<BulkMandate> & Pick<BulkMandate, 'serviceCode' | 'systemId' | 'brin' | 'boardNummer' | 'startDate'>): BulkMandate => ({
  id, endDate: null, origin: 'OSR', version: 1, createdAt: at, createdBy: 'bulk test', updatedAt: at, lastReviewedAt: null, lastReviewedBy: null, ...fields,
});

const SUPPLIERS = [
  { oin: SUPPLIER_A.oin, name: SUPPLIER_A.name },
  { oin: SUPPLIER_B.oin, name: SUPPLIER_B.name },
  { oin: '00000003999000000009', name: 'Ketendiensten Test B.V.' },
];
const SYSTEMS = [
  { id: SYSTEM_A, name: 'Voorbeeld LAS', kind: 'LAS' as const, supplierOin: SUPPLIER_A.oin, services: ['OSO_OV' as const, 'ROD_PO' as const] },
  { id: SYSTEM_B, name: 'LDD Leerlingvolgsysteem', kind: 'LAS' as const, supplierOin: SUPPLIER_B.oin, services: ['OSO_OV' as const, 'ROD_PO' as const] },
  { id: 'test-keten', name: 'Ketenkoppeling', kind: 'LAS' as const, supplierOin: '00000003999000000009', services: ['RIO' as const] },
];

describe('the bulk load of the mandates package', () => {
  let database: Database;
  let load: MandatesBulkLoad;

  beforeAll(async () => {
    database = await connectDatabase(databaseUri(), databaseName(freshPrefix(), 'mandates'));
  });
  afterAll(() => database?.close());

  it('sees an empty store as holding nothing, and opens it with the reference services', async () => {
    expect(await MandatesBulkLoad.holdsData(database.db)).toEqual([]);
    load = await MandatesBulkLoad.open(database.db);
    expect(await MandatesBulkLoad.holdsData(database.db)).toEqual([]);
    expect(await load.systems()).toEqual([]);
  });

  it('adds to the catalogue only what it lacks, and refuses a system of an unknown supplier', async () => {
    expect(await load.addToCatalogue({ suppliers: SUPPLIERS, systems: SYSTEMS })).toEqual({ suppliers: 3, systems: 3 });
    expect(await load.addToCatalogue({ suppliers: SUPPLIERS, systems: SYSTEMS })).toEqual({ suppliers: 0, systems: 0 });
    const stray = { id: 'stray', name: 'Stray', kind: 'LAS' as const, supplierOin: '00000003999000000077', services: ['RIO' as const] };
    await expect(load.addToCatalogue({ suppliers: [], systems: [stray] })).rejects.toThrow('system stray: unknown supplier 00000003999000000077');
    expect((await load.systems()).map((s) => s.id).sort()).toEqual(['ldd-las', 'test-keten', 'voorbeeld-las']);
    expect((await load.suppliers()).map((s) => s.oin)).toEqual(SUPPLIERS.map((s) => s.oin).sort());
  });

  it('loads mandates with one history entry each in their slot, and aanleverpunten', async () => {
    const written = await load.loadMandates(
      {
        mandates: [
          mandate('m-1', { serviceCode: 'ROD_PO', systemId: SYSTEM_A, brin: '40AA', boardNummer: '70001', startDate: '2023-01-01', endDate: '2024-07-31' }),
          mandate('m-2', { serviceCode: 'ROD_PO', systemId: SYSTEM_B, brin: '40AA', boardNummer: '70001', startDate: '2024-08-01', recordedAs: 'SWITCHED_TO' }),
          mandate('m-3', { serviceCode: 'RIO', systemId: 'test-keten', brin: null, boardNummer: '70001', startDate: '2024-01-01' }),
          mandate('m-4', { serviceCode: 'OSO_OV', systemId: SYSTEM_A, brin: '41BB', boardNummer: '70002', startDate: '2022-08-15' }),
        ],
        aanleverpunten: [
          { brin: '41BB', index: 1, kind: 'OV', systemId: SYSTEM_A, active: true, mandateId: 'm-4' },
          { brin: '41BB', index: 2, kind: 'SWV', systemId: SYSTEM_A, active: false, mandateId: null },
        ],
      },
      { by: 'bulk test', bySub: 'test' },
    );
    expect(written).toEqual({ mandates: 4, history: 4, aanleverpunten: 2 });

    const reader = MandatesReader.of(database.db);
    expect((await reader.mandatesOfSchools(['40AA'])).map((m) => [m.id, m.slotKey, m.reviewReasons])).toEqual([
      ['m-1', 'school:40AA|ROD_PO', []],
      ['m-2', 'school:40AA|ROD_PO', []],
    ]);
    expect((await reader.mandatesOfBoards(['70001'])).map((m) => m.id)).toEqual(['m-3', 'm-1', 'm-2']);
    expect((await reader.aanleverpuntenOfSchools(['41BB'])).map((p) => [p.index, p.mandateId])).toEqual([[1, 'm-4'], [2, null]]);
    const history = await directAccess(database.db).repositories.reads.historyOf(['m-1', 'm-2', 'm-3']);
    expect(history.map((h) => [h.slotKey, h.slotSeq, h.changes[0]!.action, h.by])).toEqual([
      ['board:70001|RIO', 1, 'CREATED', 'bulk test'],
      ['school:40AA|ROD_PO', 1, 'CREATED', 'bulk test'],
      ['school:40AA|ROD_PO', 2, 'SWITCHED_TO', 'bulk test'],
    ]);
    expect(await MandatesBulkLoad.holdsData(database.db)).toEqual(['suppliers', 'systems', 'mandates']);
  });

  it('refuses a load with problems as a whole, naming every problem, and writes nothing of it', async () => {
    const bad = load.loadMandates(
      {
        mandates: [
          mandate('m-ok', { serviceCode: 'ROD_PO', systemId: SYSTEM_A, brin: '42CC', boardNummer: '70003', startDate: '2024-01-01' }),
          mandate('m-1', { serviceCode: 'ROD_PO', systemId: SYSTEM_A, brin: '43DD', boardNummer: '70003', startDate: '2024-01-01' }),
          mandate('m-slot', { serviceCode: 'ROD_PO', systemId: SYSTEM_A, brin: '40AA', boardNummer: '70001', startDate: '2025-01-01' }),
          mandate('m-system', { serviceCode: 'ROD_PO', systemId: 'nope', brin: '44EE', boardNummer: '70003', startDate: '2024-01-01' }),
          mandate('m-service', { serviceCode: 'RIO', systemId: SYSTEM_A, brin: null, boardNummer: '70003', startDate: '2024-01-01' }),
          mandate('m-brin', { serviceCode: 'ROD_PO', systemId: SYSTEM_A, brin: 'XX', boardNummer: '70003', startDate: '2024-01-01' }),
          mandate('m-dates', { serviceCode: 'ROD_PO', systemId: SYSTEM_A, brin: '45FF', boardNummer: '70003', startDate: '2024-01-01', endDate: '2023-01-01' }),
          mandate('m-ok', { serviceCode: 'OSO_OV', systemId: SYSTEM_A, brin: '42CC', boardNummer: '70003', startDate: '2024-01-01' }),
        ],
        aanleverpunten: [{ brin: '42CC', index: 1, kind: 'OV', systemId: SYSTEM_A, active: true, mandateId: 'm-gone' }],
      },
      { by: 'bulk test', bySub: 'test' },
    );
    const error = await bad.then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(BulkLoadRejected);
    expect((error as BulkLoadRejected).problems.sort()).toEqual([
      'aanleverpunt 42CC/1: unknown mandate m-gone',
      'mandate m-1: stored already',
      'mandate m-brin: a BRIN is 2 digits followed by 2 capital letters or digits, e.g. 25BE',
      'mandate m-dates: ends before it starts',
      'mandate m-ok: twice in the load',
      'mandate m-service: system voorbeeld-las does not offer RIO',
      'mandate m-slot: its school or board has mandates of ROD_PO already (a bulk load starts slots afresh)',
      'mandate m-system: unknown system nope',
    ]);
    const reader = MandatesReader.of(database.db);
    expect(await reader.mandates(['m-ok', 'm-slot', 'm-system'])).toEqual([]);
    expect(await reader.aanleverpuntenOfSchools(['42CC'])).toEqual([]);
  });

  it('records the confirmations a data set holds as the API does, and refuses one of a mandate that is not stored', async () => {
    const confirmation = { id: 'm-4', schoolYear: '2024-2025', board: '70002', at, by: 'Board staff' };
    await expect(load.confirmLoaded([confirmation, { ...confirmation, id: 'm-none' }])).rejects.toThrow('mandate m-none: not stored');
    expect((await load.mandates(['m-4']))[0]!.yearChecks).toBeUndefined();
    expect(await load.confirmLoaded([confirmation])).toEqual({ confirmed: 1 });
    // once per year and board: again, nothing more
    expect(await load.confirmLoaded([confirmation])).toEqual({ confirmed: 0 });
    const [m4] = await load.mandates(['m-4']);
    expect(m4).toMatchObject({ version: 2, lastReviewedBy: 'Board staff', yearChecks: [{ schoolYear: '2024-2025', kind: 'CONFIRMED', at, by: 'Board staff', byRole: 'BOARD', board: '70002' }] });
    const history = await directAccess(database.db).repositories.reads.historyOf(['m-4']);
    expect(history.map((h) => [h.slotSeq, h.changes[0]!.action, h.changes[0]!.schoolYear, h.at])).toEqual([[1, 'CREATED', undefined, at], [2, 'CONFIRMED', '2024-2025', at]]);
  });

  it('finishes with the derived data made (a repair then finds nothing) and the check rows stored; forgetting the kept results leaves them behind the journal', async () => {
    const direct = directAccess(database.db);
    const finished = await load.finish();
    expect(finished.checkRows).toBe(true);
    expect(await direct.repairFacts()).toEqual({ inserted: 0, replaced: 0, removed: 0 });
    expect(await direct.checkRows.token()).toBe(await direct.journal.head());
    await load.forgetKeptResults();
    expect(await direct.checkRows.token()).not.toBe(await direct.journal.head());
    expect(await load.mandates(['m-1', 'm-2', 'm-3', 'm-4'])).toHaveLength(4);
  });
});
