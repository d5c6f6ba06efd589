import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { resolveEntities } from '../../../test/support/entities.js';
import { databaseUri, freshPrefix, startSubgraph, type RunningSubgraph } from '../../../test/support/system.js';

describe('agreements subgraph: entity resolution', () => {
  let subgraph: RunningSubgraph;
  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    subgraph = await startSubgraph('agreements', prefix);
  });
  afterAll(() => subgraph?.stop());

  it('extends Board with its agreements (none for a board without any) and resolves Agreement', async () => {
    const res = await resolveEntities(
      subgraph.url,
      [
        { __typename: 'Board', bevoegdGezagNummer: '42001' },
        { __typename: 'Board', bevoegdGezagNummer: '43555' },
        { __typename: 'Agreement', id: 'a-41234-oso' },
        { __typename: 'Agreement', id: 'unknown' },
      ],
      `... on Board { bevoegdGezagNummer agreements { id type status services validFrom signedBy imported } }
       ... on Agreement { id board { bevoegdGezagNummer } signedAt }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([
      {
        bevoegdGezagNummer: '42001',
        agreements: [
          { id: 'a-42001-oso', type: 'OSO', status: 'SIGNED', services: ['OSO_OV'], validFrom: '2020-09-15', signedBy: 'M. Janssen', imported: true },
        ],
      },
      { bevoegdGezagNummer: '43555', agreements: [] },
      { id: 'a-41234-oso', board: { bevoegdGezagNummer: '41234' }, signedAt: '2019-03-01T09:30:00.000Z' },
      null,
    ]);
  });
});
