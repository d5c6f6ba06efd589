import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { enforceLimits, measureOperation } from '../src/limits.js';
import { RateLimiter } from '../src/rate-limit.js';

const schema = Supergraph.build(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8')).apiSchema().toGraphQLJSSchema();

function measure(query: string, variables: Record<string, unknown> = {}, defaultListSize = 20) {
  const doc = parse(query);
  const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  return measureOperation(schema, operation, fragments, variables, defaultListSize);
}

describe('query measures', () => {
  it('counts depth, aliases and fields, expanding fragments where they are used', () => {
    expect(measure('{ a: services { code } b: services { code name } }')).toEqual({ depth: 2, aliases: 2, fields: 5, cost: 1 + 20 * 1 + 1 + 20 * 2 });
    expect(measure('fragment F on Service { code name } { services { ...F } x: services { ...F } }')).toMatchObject({ aliases: 1, fields: 6 });
  });

  it('sizes a connection by its first argument (literal or variable), not twice through its edges', () => {
    const q = 'query ($n: Int) { supplierMandates(first: $n) { edges { node { id } } } }';
    // supplierMandates (1) + n × [edges (1) + node (1 + id 1)]
    expect(measure(q, { n: 10 }).cost).toBe(1 + 10 * (1 + 1 * (1 + 1)));
    expect(measure(q, { n: 1_000_000 }).cost).toBe(1 + 1_000_000 * 3);
  });

  it('prices the headline query at a fixed cost whatever the board size', () => {
    const headline = readFileSync(new URL('../../test/queries/board-overview.graphql', import.meta.url), 'utf8');
    const m = measure(headline, { nummer: '41234' });
    expect(m.depth).toBe(6);
    // per mandate: service 3 + status/dates 3 + system 5 = 11; per school: 3 + aanleverpunten (1 + 20 × 3)
    // + mandates (1 + 20 × 11) = 285; board: 1 + (2 + schools (1 + 20 × 285) + agreements 61) = 5765;
    // supportContacts: 1 + 20 × 4 = 81.
    expect(m.cost).toBe(5765 + 81);
    expect(() => enforceLimits(m, { maxDepth: 12, maxAliases: 30, maxFields: 400, maxCost: 50_000, defaultListSize: 20 })).not.toThrow();
    expect(() => enforceLimits(m, { maxDepth: 5, maxAliases: 30, maxFields: 400, maxCost: 50_000, defaultListSize: 20 })).toThrow('Query depth 6 exceeds the limit of 5');
  });
});

describe('rate limiter', () => {
  it('allows a burst, then one request per interval, per caller; forgets the least recent callers past its size', () => {
    const limiter = new RateLimiter({ perMinute: 60, burst: 2, maxCallers: 2 });
    const t = 1_000_000;
    expect(limiter.take('a', t)).toEqual({ ok: true });
    expect(limiter.take('a', t)).toEqual({ ok: true });
    expect(limiter.take('a', t)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('a', t + 1000)).toEqual({ ok: true });
    expect(limiter.take('b', t)).toEqual({ ok: true });
    limiter.take('c', t);
    expect(limiter.size).toBe(2);
  });
});
