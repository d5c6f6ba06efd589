import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, checkDocumentLimits } from '../src/limits.js';

const schema = Supergraph.build(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8')).apiSchema().toGraphQLJSSchema();

function cost(query: string): number {
  const [measure] = checkDocumentLimits(schema, parse(query), {}, DEFAULT_LIMITS).values();
  return measure!.cost;
}

describe('the price of the aggregates (issue 10)', () => {
  it('prices an aggregate by its result rows (a list of the default size 20), never by the mandates it counts', () => {
    // 1 + 20 rows × 3 fields, whether 25 or 60,000 mandates are counted
    expect(cost('{ mandateCounts(groupBy: [SERVICE, STATUS]) { service status count } }')).toBe(61);
    // a supplier's name is one more entity field per row: 1 + 20 × (status 1 + supplier 2 + count 1)
    expect(cost('{ mandateCounts(groupBy: [STATUS, SUPPLIER]) { status supplier { name } count } }')).toBe(81);
    expect(cost('{ mandateCountSeries(from: "2023-01-01", to: "2024-12-31") { month service active } }')).toBe(61);
    expect(cost('{ agreementCounts { boardsWithOsoAgreement waitingByAge { age count } } }')).toBe(1 + 1 + 1 + 20 * 2);
    expect(cost('{ reviewItemCounts { reason age count } }')).toBe(61);
  });

  it('prices the school lists of coverage groups by their first argument', () => {
    // coverage 1 + [uncovered 1 + groups 1 + 20 × (board 2 + uncovered 1 + uncoveredSchools (1 + 500 × 2))]
    expect(cost('{ mandateCoverage(groupBy: BOARD) { uncovered groups { board { name } uncovered uncoveredSchools(first: 500) { brin name } } } }')).toBe(20_083);
  });
});
