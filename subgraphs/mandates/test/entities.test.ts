import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData, SUPPLIER_B } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { resolveEntities } from '../../../test/support/entities.js';
import { databaseUri, freshPrefix, startSubgraph, type RunningSubgraph } from '../../../test/support/system.js';

describe('mandates subgraph: entity resolution', () => {
  let subgraph: RunningSubgraph;
  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    subgraph = await startSubgraph('mandates', prefix);
  });
  afterAll(() => subgraph?.stop());

  it('extends School with aanleverpunten and mandates, filtered by service and dated by asOf', async () => {
    const res = await resolveEntities<{
      brin: string;
      aanleverpunten: { index: number; kind: string; active: boolean; mandate: { id: string } | null }[];
      ov: { startDate: string; endDate: string | null; status: string; system: { id: string } }[];
      before: { status: string }[];
    }>(
      subgraph.url,
      [{ __typename: 'School', brin: '31EW' }, { __typename: 'School', brin: '05LM' }],
      `... on School {
        brin
        aanleverpunten { index kind active mandate { id } }
        ov: mandates(services: [OSO_OV]) { startDate endDate status system { id } }
        before: mandates(asOf: "2022-08-14") { status }
      }`,
    );
    expect(res.errors).toBeUndefined();
    const [switched, inactive] = res.data!._entities;
    expect(switched).toEqual({
      brin: '31EW',
      aanleverpunten: [{ index: 1, kind: 'OV', active: true, mandate: { id: 'm-31EW-OSO_OV-voorbeeld-las-2022-08-15' } }],
      ov: [
        { startDate: '2022-08-15', endDate: '2024-07-31', status: 'ENDED', system: { id: 'voorbeeld-las' } },
        { startDate: '2024-08-01', endDate: null, status: 'ACTIVE', system: { id: 'ldd-las' } },
      ],
      // On 14 August 2022 neither mandate had started yet.
      before: [{ status: 'PLANNED' }, { status: 'PLANNED' }],
    });
    expect(inactive).toEqual({
      brin: '05LM',
      aanleverpunten: [{ index: 1, kind: 'OV', active: false, mandate: null }],
      ov: [],
      before: [],
    });
  });

  it('resolves Service, Supplier, System and Mandate references, null for unknown keys', async () => {
    const res = await resolveEntities(
      subgraph.url,
      [
        { __typename: 'Service', code: 'OSO_SWV' },
        { __typename: 'Supplier', oin: SUPPLIER_B.oin },
        { __typename: 'System', id: 'voorbeeld-las' },
        { __typename: 'Mandate', id: 'm-00AV-OSO_SWV-voorbeeld-las-2022-08-15' },
        { __typename: 'Mandate', id: 'no-such-mandate' },
      ],
      `... on Service { code name mandateLevel }
       ... on Supplier { oin name systems { id } }
       ... on System { id name kind supplier { oin } services { code } }
       ... on Mandate { id service { code } school { brin } board { bevoegdGezagNummer } origin status }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([
      { code: 'OSO_SWV', name: 'OSO Samenwerkingsverbanden', mandateLevel: 'SCHOOL' },
      { oin: SUPPLIER_B.oin, name: SUPPLIER_B.name, systems: [{ id: 'ldd-las' }] },
      {
        id: 'voorbeeld-las',
        name: 'Voorbeeld LAS',
        kind: 'LAS',
        supplier: { oin: '00000003272448340204' },
        services: [{ code: 'OSO_OV' }, { code: 'OSO_SWV' }, { code: 'ROD_PO' }, { code: 'VERZUIM' }],
      },
      {
        id: 'm-00AV-OSO_SWV-voorbeeld-las-2022-08-15',
        service: { code: 'OSO_SWV' },
        school: { brin: '00AV' },
        board: { bevoegdGezagNummer: '41234' },
        origin: 'OSO_MIGRATION',
        status: 'ACTIVE',
      },
      null,
    ]);
  });
});
