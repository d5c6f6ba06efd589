import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoData } from '../../../scripts/demo-data.js';
import { seedDemo } from '../../../scripts/seed-lib.js';
import { resolveEntities } from '../../../test/support/entities.js';
import { databaseUri, graphql, identityHeaders, freshPrefix, startSubgraph, type RunningSubgraph } from '../../../test/support/system.js';

describe('support subgraph', () => {
  let subgraph: RunningSubgraph;
  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix, buildDemoData());
    subgraph = await startSubgraph('support', prefix);
  });
  afterAll(() => subgraph?.stop());

  it('extends Service with where to get help: the current contacts for that service', async () => {
    const res = await resolveEntities(
      subgraph.url,
      [{ __typename: 'Service', code: 'OSO_SWV' }],
      '... on Service { code support { channel value label } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([
      {
        code: 'OSO_SWV',
        support: [
          { channel: 'EMAIL', value: 'support@kennisnet.nl', label: 'Kennisnet Support' },
          { channel: 'PHONE', value: '0800 321 22 33', label: 'Kennisnet Support' },
        ],
      },
    ]);
  });

  it('still lists the retired OSO service desk on 14 August 2022, with its replacement, and not a day later', async () => {
    const query = 'query ($d: Date) { supportContacts(asOf: $d) { value validUntil replacedBy { value } } }';
    const before = await graphql<{ supportContacts: { value: string; validUntil: string | null; replacedBy: { value: string } | null }[] }>(
      subgraph.url,
      query,
      { d: '2022-08-14' },
      identityHeaders(),
    );
    expect(before.data!.supportContacts).toContainEqual({
      value: 'servicedesk@oso-od.nl',
      validUntil: '2022-08-14',
      replacedBy: { value: 'support@kennisnet.nl' },
    });
    const after = await graphql<{ supportContacts: { value: string }[] }>(subgraph.url, query, { d: '2022-08-15' }, identityHeaders());
    expect(after.data!.supportContacts.map((c) => c.value)).toEqual(['support@kennisnet.nl', '0800 321 22 33']);
  });

  it('rejects an impossible date, as a variable (BAD_USER_INPUT) and as a literal (validation), naming why', async () => {
    const asVariable = await graphql(subgraph.url, 'query ($d: Date) { supportContacts(asOf: $d) { value } }', { d: '2022-02-30' }, identityHeaders());
    expect(asVariable.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(asVariable.errors?.[0]?.message).toContain('no such calendar date');
    expect(asVariable.data ?? null).toBeNull();

    const asLiteral = await graphql(subgraph.url, '{ supportContacts(asOf: "2022-02-30") { value } }', undefined, identityHeaders());
    expect(asLiteral.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(asLiteral.errors?.[0]?.message).toContain('no such calendar date');
  });
});
