import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData, SUPPLIER_A, SUPPLIER_B } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

const BOARD_OVERVIEW = readFileSync(new URL('../queries/board-overview.graphql', import.meta.url), 'utf8');

interface Overview {
  board: {
    bevoegdGezagNummer: string;
    name: string;
    schools: {
      brin: string;
      name: string;
      sector: string;
      aanleverpunten: { index: number; kind: string; active: boolean }[];
      mandates: {
        service: { code: string; name: string };
        status: string;
        startDate: string;
        endDate: string | null;
        system: { name: string; supplier: { oin: string; name: string } };
      }[];
    }[];
    agreements: { type: string; status: string; services: string[] }[];
  } | null;
  supportContacts: { channel: string; value: string; validFrom: string | null; validUntil: string | null }[];
}

describe('the headline request through the gateway (demo data)', () => {
  let system: RunningSystem;
  const demo = buildDemoData();
  /** Staff of board 41234 with the right OSR_TOEGANG. */
  let asBoard: Record<string, string>;

  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, demo);
    system = await startSystem(prefix);
    asBoard = await bearer({ role: 'BOARD', board: '41234', rights: ['OSR_TOEGANG'] });
  });
  afterAll(() => system?.stop());

  it('returns board 41234 with all 14 schools, their aanleverpunten and both OSO mandates in one request', async () => {
    const res = await graphql<Overview>(system.gatewayUrl, BOARD_OVERVIEW, { nummer: '41234' }, asBoard);
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const board = res.data!.board!;
    expect(board.bevoegdGezagNummer).toBe('41234');
    expect(board.name).toBe('Stichting Voorbeeld Onderwijs Noord');

    // Schools: every school of the board, ordered by BRIN, fields as seeded.
    const seededSchools = demo.organisations.schools
      .filter((s) => s.boardNummer === '41234')
      .sort((a, b) => a.brin.localeCompare(b.brin));
    expect(seededSchools).toHaveLength(14);
    expect(board.schools.map((s) => s.brin)).toEqual(seededSchools.map((s) => s.brin));
    for (const [i, school] of board.schools.entries()) {
      expect(school.name).toBe(seededSchools[i]!.name);
      expect(school.sector).toBe(seededSchools[i]!.sector);
    }
    expect(new Set(board.schools.map((s) => s.sector))).toEqual(new Set(['PO', 'VO']));

    // Aanleverpunten: as seeded, ordered by index, active and inactive.
    for (const school of board.schools) {
      const seeded = demo.mandates.aanleverpunten
        .filter((a) => a.brin === school.brin)
        .sort((a, b) => a.index - b.index)
        .map((a) => ({ index: a.index, kind: a.kind, active: a.active }));
      expect(school.aanleverpunten, school.brin).toEqual(seeded);
    }
  });

  it('shows the migrated OSO OV and OSO SWV mandates with their systems and suppliers', async () => {
    const res = await graphql<Overview>(system.gatewayUrl, BOARD_OVERVIEW, { nummer: '41234' }, asBoard);
    const schools = new Map(res.data!.board!.schools.map((s) => [s.brin, s]));

    const voorbeeld = { name: 'Voorbeeld LAS', supplier: SUPPLIER_A };
    const ldd = { name: 'LDD Leerlingvolgsysteem', supplier: SUPPLIER_B };
    const ov = { code: 'OSO_OV', name: 'OSO Overstap' };
    const swv = { code: 'OSO_SWV', name: 'OSO Samenwerkingsverbanden' };

    // Both OSO services for a school with two active aanleverpunten.
    expect(schools.get('00AV')!.mandates).toEqual([
      { service: ov, status: 'ACTIVE', startDate: '2022-08-15', endDate: null, system: voorbeeld },
      { service: swv, status: 'ACTIVE', startDate: '2022-08-15', endDate: null, system: voorbeeld },
    ]);
    // A school that switched LAS: the old mandate ended the day before the new one started.
    expect(schools.get('31EW')!.mandates).toEqual([
      { service: ov, status: 'ENDED', startDate: '2022-08-15', endDate: '2024-07-31', system: voorbeeld },
      { service: ov, status: 'ACTIVE', startDate: '2024-08-01', endDate: null, system: ldd },
    ]);
    // An inactive aanleverpunt was not migrated: no mandate.
    expect(schools.get('05LM')!.mandates).toEqual([]);
    // An inactive SWV point next to an active OV point: only the OV mandate.
    expect(schools.get('07QR')!.mandates.map((m) => m.service.code)).toEqual(['OSO_OV']);
    // VO school on the other supplier.
    expect(schools.get('12WX')!.mandates.map((m) => [m.service.code, m.system.supplier.oin])).toEqual([
      ['OSO_OV', SUPPLIER_B.oin],
      ['OSO_SWV', SUPPLIER_B.oin],
    ]);

    // Every mandate shown is one the seed holds for that school, and none is missing.
    const shown = [...schools.values()].reduce((n, s) => n + s.mandates.length, 0);
    const seeded = demo.mandates.mandates.filter((m) => m.boardNummer === '41234').length;
    expect(shown).toBe(seeded);
  });

  it('shows the board agreements and the current support contacts', async () => {
    const res = await graphql<Overview>(system.gatewayUrl, BOARD_OVERVIEW, { nummer: '41234' }, asBoard);
    expect(res.data!.board!.agreements).toEqual([
      { type: 'OSO', status: 'SIGNED', services: ['OSO_OV', 'OSO_SWV'] },
      { type: 'OSR_USER', status: 'SIGNED', services: [] },
    ]);
    expect(res.data!.supportContacts).toEqual([
      { channel: 'EMAIL', value: 'support@kennisnet.nl', validFrom: null, validUntil: null },
      { channel: 'PHONE', value: '0800 321 22 33', validFrom: null, validUntil: null },
    ]);
  });

  it('answers null for a board RIO does not know, and BAD_USER_INPUT for a malformed number', async () => {
    const unknown = await graphql<Overview>(system.gatewayUrl, BOARD_OVERVIEW, { nummer: '99999' }, asBoard);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data!.board).toBeNull();

    const malformed = await graphql<Overview>(system.gatewayUrl, BOARD_OVERVIEW, { nummer: '4123' }, asBoard);
    expect(malformed.data?.board ?? null).toBeNull();
    expect(malformed.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(malformed.errors?.[0]?.message).toContain('bevoegdGezagNummer "4123" is invalid');
  });

  it('reports ready when every subgraph answers, naming the supergraph in use by its hash (not its path)', async () => {
    const res = await fetch(system.gatewayUrl.replace(/graphql$/, 'ready'));
    expect(res.status).toBe(200);
    const file = new URL('../../schema/supergraph.graphql', import.meta.url);
    expect(await res.json()).toEqual({
      status: 'ready',
      subgraphs: { organisations: 'up', mandates: 'up', agreements: 'up', support: 'up' },
      supergraph: {
        sha256: createHash('sha256').update(readFileSync(file, 'utf8')).digest('hex'),
        loadedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        watching: false,
      },
    });
  });
});
