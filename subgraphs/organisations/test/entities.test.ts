import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { resolveEntities } from '../../../test/support/entities.js';
import { databaseUri, freshPrefix, startSubgraph, type RunningSubgraph } from '../../../test/support/system.js';

describe('organisations subgraph: entity resolution', () => {
  let subgraph: RunningSubgraph;
  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    subgraph = await startSubgraph('organisations', prefix);
  });
  afterAll(() => subgraph?.stop());

  it('resolves Board, School and Samenwerkingsverband references, null for unknown keys', async () => {
    const res = await resolveEntities(
      subgraph.url,
      [
        { __typename: 'Board', bevoegdGezagNummer: '42001' },
        { __typename: 'School', brin: '25BE' },
        { __typename: 'Samenwerkingsverband', code: 'PO2001' },
        { __typename: 'Board', bevoegdGezagNummer: '99999' },
        { __typename: 'School', brin: '99ZZ' },
      ],
      `... on Board { bevoegdGezagNummer name rioCode schools { brin } }
       ... on School { brin oin name sector kindCode board { bevoegdGezagNummer } vestigingen { vestigingsnummer } samenwerkingsverbanden { code displayCode } }
       ... on Samenwerkingsverband { code name sector }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([
      {
        bevoegdGezagNummer: '42001',
        name: 'Stichting Openbaar Onderwijs Maasland',
        rioCode: '102B117',
        schools: [{ brin: '14AB' }, { brin: '15CD' }, { brin: '16EF' }],
      },
      {
        brin: '25BE',
        oin: '0000000700025BE00000',
        name: 'Basisschool De Sterrenwacht',
        sector: 'PO',
        kindCode: 'BAS',
        board: { bevoegdGezagNummer: '41234' },
        vestigingen: [{ vestigingsnummer: '25BE00' }],
        samenwerkingsverbanden: [{ code: 'PO2001', displayCode: 'PO 20-01' }],
      },
      { code: 'PO2001', name: 'Samenwerkingsverband Passend Onderwijs Groningen (demo)', sector: 'PO' },
      null,
      null,
    ]);
  });
});
