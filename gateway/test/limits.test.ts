import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, buildSchema, getIntrospectionQuery, parse, print, visit, type FieldNode, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, INTROSPECTION_COST, LimitCheck, checkDocumentLimits, type QueryLimits, type QueryMeasure } from '../src/limits.js';
import { RateLimiter } from '../src/rate-limit.js';

const schema = Supergraph.build(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8')).apiSchema().toGraphQLJSSchema();

/** Limits no test query reaches, to read the full figures. */
const UNLIMITED: QueryLimits = { ...DEFAULT_LIMITS, maxDepth: 1e9, maxAliases: 1e12, maxFields: 1e12, maxCost: Infinity, maxVisits: 1e9 };

/** The measure of the document's only operation. */
function measureIn(on: GraphQLSchema, query: string, variables: Record<string, unknown> = {}, limits: QueryLimits = UNLIMITED): QueryMeasure {
  const operations = checkDocumentLimits(on, parse(query), variables, limits);
  expect(operations.size).toBe(1);
  return [...operations.values()][0]!;
}
const measure = (query: string, variables: Record<string, unknown> = {}, limits: QueryLimits = UNLIMITED) => measureIn(schema, query, variables, limits);

/** The refusal a document gets under the limits (the test fails when there is none). */
function refusal(query: string, limits: QueryLimits = DEFAULT_LIMITS, on: GraphQLSchema = schema): { message: string; limit: string; value: number } {
  try {
    checkDocumentLimits(on, parse(query), {}, limits);
  } catch (err) {
    const e = err as { message: string; extensions: { code: string; limit: string; value: number } };
    expect(e.extensions.code).toBe('QUERY_LIMIT_EXCEEDED');
    return { message: e.message, limit: e.extensions.limit, value: e.extensions.value };
  }
  throw new Error('the document was accepted');
}

describe('query measures', () => {
  it('counts depth, aliases and fields, expanding fragments where they are used', () => {
    expect(measure('{ a: services { code } b: services { code name } }')).toMatchObject({ depth: 2, aliases: 2, fields: 5, cost: 1 + 20 * 1 + 1 + 20 * 2 });
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
    // supportContacts: 1 + 20 × 4 = 81. No branches: the cost rule of issue 19 leaves it as it was.
    expect(m.cost).toBe(5765 + 81);
    expect(() => checkDocumentLimits(schema, parse(headline), { nummer: '41234' }, DEFAULT_LIMITS)).not.toThrow();
    expect(refusal(headline, { ...DEFAULT_LIMITS, maxDepth: 5 }).message).toBe('Query depth 6 exceeds the limit of 5');
  });

  it('prices the headline query as Apollo Client sends it (__typename in every selection set) at 7,908', () => {
    const headline = readFileSync(new URL('../../test/queries/board-overview.graphql', import.meta.url), 'utf8');
    const typename: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
    const sent = print(visit(parse(headline), { SelectionSet: (set) => ({ ...set, selections: [...set.selections, typename] }) }));
    // one more field in each of the 10 selection sets (the operation's own included)
    expect(measure(sent, { nummer: '41234' })).toMatchObject({ fields: 32 + 10, cost: 7_908 });
  });
});

describe('fragment fan-out (issue 17.2): memoised, stopped at the first limit, bounded work', () => {
  // 23 fragments, each spreading the next twice: 2^22 copies of the last one's field.
  const doubling = ['{ services { ...F0 } }', ...Array.from({ length: 23 }, (_, i) => `fragment F${i} on Service { ${i === 22 ? 'code' : `...F${i + 1} ...F${i + 1}`} }`)].join('\n');

  it('counts the 4,194,305 fields of the doubling attack while walking each fragment once', () => {
    const m = measure(doubling);
    expect(m.fields).toBe(2 ** 22 + 1);
    // services 1 + 20 × 2^22 codes
    expect(m.cost).toBe(1 + 20 * 2 ** 22);
    // services, code, and a few visits per fragment (its spreads, walked or remembered):
    // nothing near the 4 million selections it stands for
    expect(m.visits).toBeLessThan(100);
  });

  it('refuses it under the default limits as soon as the field count passes 400', () => {
    const r = refusal(doubling);
    expect(r.limit).toBe('fields');
    expect(r.value).toBeGreaterThan(400);
    expect(r.value).toBeLessThan(2 * 400 + 2);
  });

  it('stops deep nesting at the first level past the limit', () => {
    let q = 'brin';
    for (let i = 0; i < 200; i++) q = `board { schools { ${q} } }`;
    expect(refusal(`{ school(brin: "25BE") { ${q} } }`)).toMatchObject({ limit: 'depth', value: 13 });
  });

  it('caps its own work: a document of many small operations is refused past 5,000 visited selections', () => {
    const ops = Array.from({ length: 20 }, (_, o) => `query Q${o} { ${Array.from({ length: 300 }, () => '__typename').join(' ')} }`).join('\n');
    expect(refusal(ops)).toMatchObject({ limit: 'visits', value: 5_001 });
  });

  it('refuses a fragment no operation uses (validation would read it for nothing)', () => {
    const unused = `fragment Wide on Service { ${Array.from({ length: 401 }, () => 'code').join(' ')} } { services { code } }`;
    expect(() => checkDocumentLimits(schema, parse(unused), {}, DEFAULT_LIMITS)).toThrow('Fragment "Wide" is never used.');
  });

  it('survives fragment cycles (validation refuses them later)', () => {
    expect(measure('fragment A on Service { code ...B } fragment B on Service { name ...A } { services { ...A } }').fields).toBe(3);
  });
});

describe('variables count', () => {
  const declaring = (n: number) => `query (${Array.from({ length: n }, (_, i) => `$v${i}: ID!`).join(' ')}) { services { code } }`;

  it('refuses an operation declaring more than 50 variables before validation reads them, used or not', () => {
    expect(refusal(declaring(700))).toEqual({ message: 'Query variable count 700 exceeds the limit of 50', limit: 'variables', value: 700 });
    expect(refusal(declaring(51)).limit).toBe('variables');
    // used ones count the same: a list argument can use hundreds
    const used = `query (${Array.from({ length: 60 }, (_, i) => `$v${i}: ID!`).join(' ')}) { markMandatesReviewed(ids: [${Array.from({ length: 60 }, (_, i) => `$v${i}`).join(', ')}]) { mandates { id } } }`;
    expect(refusal(used)).toMatchObject({ limit: 'variables', value: 60 });
  });

  it('counts the variables of every operation in the document (validation reads them all)', () => {
    const named = (name: string, n: number) => declaring(n).replace('query (', `query ${name} (`);
    expect(checkDocumentLimits(schema, parse(`${named('A', 25)} ${named('B', 25)}`), {}, DEFAULT_LIMITS).size).toBe(2);
    expect(refusal(`${named('A', 30)} ${named('B', 30)}`)).toMatchObject({ limit: 'variables', value: 60 });
  });
});

describe('meta fields count (issue 17.3)', () => {
  it('counts __typename toward the alias and field limits', () => {
    expect(measure('{ services { __typename a: __typename } }')).toMatchObject({ fields: 3, aliases: 1, cost: 1 + 20 * 2 });
    const aliased = `{ services { ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} } }`;
    expect(refusal(aliased)).toMatchObject({ limit: 'aliases', value: 31 });
    const wide = `{ ${Array.from({ length: 401 }, () => '__typename').join(' ')} }`;
    expect(refusal(wide)).toMatchObject({ limit: 'fields', value: 401 });
  });
});

describe('introspection counts too (issue 17.4)', () => {
  it('gives __schema and __type a fixed cost, and counts their fields and aliases', () => {
    expect(measure('{ __schema { types { name fields { name } } } }')).toMatchObject({ fields: 5, cost: INTROSPECTION_COST['__schema'] });
    expect(measure('{ __type(name: "School") { name } }')).toMatchObject({ fields: 2, cost: INTROSPECTION_COST['__type'] });
    // 3 × 20,000 > 50,000, far below the alias limit of 30
    const amplified = `{ ${Array.from({ length: 3 }, (_, i) => `s${i}: __schema { types { name } }`).join(' ')} }`;
    expect(refusal(amplified).limit).toBe('cost');
    // the attack of the issue (4,000 aliases) stops at the third
    const many = `{ ${Array.from({ length: 4000 }, (_, i) => `s${i}: __schema { types { name } }`).join(' ')} }`;
    expect(refusal(many)).toMatchObject({ limit: 'cost', value: 60_000 });
  });

  it('accepts the standard introspection query (the explorer sends it) under the default limits', () => {
    for (const query of [getIntrospectionQuery(), getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true, specifiedByUrl: true, directiveIsRepeatable: true })]) {
      const m = measureIn(schema, query, {}, DEFAULT_LIMITS);
      expect(m.cost).toBe(INTROSPECTION_COST['__schema']);
      expect(m.fields).toBeLessThan(DEFAULT_LIMITS.maxFields);
    }
  });
});

describe('alternatives under type conditions (issue 19.1)', () => {
  const accounts = buildSchema(`
    interface Account { id: ID! similarAccounts: [Account!]! }
    type User implements Account { id: ID! name: String similarAccounts: [Account!]! }
    type Admin implements Account { id: ID! level: Int similarAccounts: [Account!]! }
    type Group { id: ID! members: [Account!]! }
    union SearchResult = User | Admin | Group
    type Query { accounts: [Account!]! search: [SearchResult!]! }
  `);
  const cost = (query: string) => measureIn(accounts, query).cost;

  // Three levels over an interface list, lists without `first` (default size 20), both
  // branches at every level. Adding the branches (the rule before) gave 67,281.
  const level3 = '... on User { id } ... on Admin { id }';
  const level2 = `... on User { id similarAccounts { ${level3} } } ... on Admin { id similarAccounts { ${level3} } }`;
  const issueQuery = `{ accounts { ... on User { id similarAccounts { ${level2} } } ... on Admin { id similarAccounts { ${level2} } } } }`;

  it("prices the issue's query as one object per level takes one branch: 8,841, not 67,281", () => {
    // level 3: max(1, 1) = 1; level 2: max(id 1 + similarAccounts (1 + 20 × 1)) = 22;
    // level 1: 1 + 1 + 20 × 22 = 442; accounts: 1 + 20 × 442 = 8,841.
    expect(cost(issueQuery)).toBe(8_841);
    // the same as the query with one branch per level
    expect(cost('{ accounts { ... on User { id similarAccounts { ... on User { id similarAccounts { ... on User { id } } } } } } }')).toBe(8_841);
    // every field is still counted toward the field limit: 2 + 2 × (2 + 2 × (2 + 2 × 1))
    expect(measureIn(accounts, issueQuery).fields).toBe(1 + 2 * (2 + 2 * (2 + 2 * 1)));
  });

  it('prices named fragments the same way', () => {
    const named = `
      { accounts { ...U1 ...A1 } }
      fragment U1 on User { id similarAccounts { ...U2 ...A2 } }
      fragment A1 on Admin { id similarAccounts { ...U2 ...A2 } }
      fragment U2 on User { id similarAccounts { ...U3 ...A3 } }
      fragment A2 on Admin { id similarAccounts { ...U3 ...A3 } }
      fragment U3 on User { id }
      fragment A3 on Admin { id }`;
    expect(cost(named)).toBe(8_841);
    // the example of docs/gateway.md: a fragment on the parent type counts as unconditioned
    const documented = `
      { accounts { ... on User { id similarAccounts { ...Level2 } } ... on Admin { id similarAccounts { ...Level2 } } } }
      fragment Level2 on Account {
        ... on User { id similarAccounts { ... on User { id } ... on Admin { id } } }
        ... on Admin { id similarAccounts { ... on User { id } ... on Admin { id } } }
      }`;
    expect(measureIn(accounts, documented)).toMatchObject({ cost: 8_841, fields: 21 });
  });

  it('takes the costliest member of a union', () => {
    // max(User 1, Admin 2, Group 1 + members (1 + 20 × 1)) = 22 → 1 + 20 × 22
    expect(cost('{ search { ... on User { id } ... on Admin { id level } ... on Group { id members { id } } } }')).toBe(441);
  });

  it('adds the fields every object gets to the costliest alternative', () => {
    // id 1 + max(User 1, Admin 1 + similarAccounts (1 + 20 × 1) = 22) = 23 → 1 + 20 × 23
    expect(cost('{ accounts { id ... on User { name } ... on Admin { level similarAccounts { id } } } }')).toBe(461);
  });

  it('merges branches on the same type, and on an interface with a type implementing it', () => {
    // two branches on User: both apply to a User
    expect(cost('{ accounts { ... on User { id } ... on User { name } } }')).toBe(1 + 20 * 2);
    // in a union, `... on Account` applies to Users and Admins: a User gets both branches
    expect(cost('{ search { ... on Account { id } ... on User { name } } }')).toBe(1 + 20 * 2);
    // a condition on the parent type itself applies to every object
    expect(cost('{ accounts { ... on Account { id } ... on User { name } ... on Admin { level } } }')).toBe(1 + 20 * 2);
  });
});

describe('default values count (issue 29.4)', () => {
  const wide = 'edges { node { oin name systems { name services { code } } } }';
  // per supplier: edges 1 + node 1 + oin, name 2 + systems (1 + 20 × (name 1 + services (1 + 20 × 1))) = 448
  const perSupplier = 1 + 1 + 2 + (1 + 20 * (1 + (1 + 20 * 1)));

  it("prices a variable's default value as the literal it stands for, and refuses what the literal is refused for", () => {
    const literal = `{ suppliers(first: 500) { ${wide} } }`;
    const byDefault = `query ($n: Int = 500) { suppliers(first: $n) { ${wide} } }`;
    expect(measure(literal).cost).toBe(1 + 500 * perSupplier);
    expect(measure(byDefault).cost).toBe(1 + 500 * perSupplier);
    expect(refusal(byDefault)).toEqual(refusal(literal));
    expect(refusal(byDefault).limit).toBe('cost');
    // a value the request gives wins over the default
    expect(measure(byDefault, { n: 10 }).cost).toBe(1 + 10 * perSupplier);
    // an explicit null (as an omitted argument) is the API's default page of 50
    expect(measure(byDefault, { n: null }).cost).toBe(1 + 50 * perSupplier);
  });

  it('prices an omitted or null first at the default page of 50, the page the API answers', () => {
    expect(DEFAULT_LIMITS.defaultPageSize).toBe(50);
    expect(measure(`{ suppliers { ${wide} } }`).cost).toBe(1 + 50 * perSupplier);
    expect(measure(`{ suppliers(first: null) { ${wide} } }`).cost).toBe(1 + 50 * perSupplier);
    expect(measure('query ($n: Int) { suppliers(first: $n) { edges { node { oin } } } }').cost).toBe(1 + 50 * 3);
    // a nested connection without first: 50 boards of a check, each costed in full
    expect(measure('{ mandateCheckProgress { boards { edges { node { mandatesOpen } } } } }').cost).toBe(1 + 1 + 50 * 3);
  });

  it("takes the schema's own default for first when it declares one", () => {
    const own = buildSchema('type Query { items(first: Int = 7): [Item!]! } type Item { id: ID }');
    expect(measureIn(own, '{ items { id } }').cost).toBe(1 + 7 * 1);
    expect(measureIn(own, '{ items(first: 2) { id } }').cost).toBe(1 + 2 * 1);
  });

  it('measures a fragment shared by operations with different defaults under each operation', () => {
    const doc = parse(`
      query Small($n: Int = 1) { suppliers(first: $n) { ...Page } }
      query Large($n: Int = 400) { suppliers(first: $n) { ...Page } }
      fragment Page on SupplierConnection { edges { node { oin } } }`);
    const operations = checkDocumentLimits(schema, doc, {}, UNLIMITED);
    expect(operations.get('Small')!.cost).toBe(1 + 1 * 3);
    expect(operations.get('Large')!.cost).toBe(1 + 400 * 3);
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

describe('a gateway\'s limit check remembers the documents that passed', () => {
  const q = 'query ($n: Int, $m: Int = 30000) { supplierMandates(first: $n) { edges { node { id } } } more: supplierMandates(first: $m) { edges { node { id } } } }';
  const check = () => new LimitCheck(DEFAULT_LIMITS);

  it('a document that passed with some `first` values is measured again with others', () => {
    const limits = check();
    const doc = parse(q);
    expect(() => limits.check(schema, doc, { n: 10, m: 10 })).not.toThrow();
    expect(() => limits.check(schema, doc, { n: 10, m: 10 })).not.toThrow();
    expect(() => limits.check(schema, doc, { n: 100_000, m: 10 })).toThrow('Query cost 300001 exceeds the limit of 50000');
    // $m omitted: its default (30,000) is priced, not the 10 of the pass before.
    expect(() => limits.check(schema, doc, { n: 10 })).toThrow(/exceeds the limit of 50000/);
    expect(() => limits.check(schema, doc, { n: 10, m: null })).not.toThrow();
    // A value that is no number is priced as omitted: not remembered, measured every time.
    expect(() => limits.check(schema, doc, { n: 10, m: '99999' })).not.toThrow();
    expect(() => limits.check(schema, doc, { n: 10, m: 99_999 })).toThrow(/exceeds the limit of 50000/);
  });

  it('a document refused once is refused every time; one that passed on a schema is measured again on another', () => {
    const limits = check();
    const deep = parse('{ a { a { a { a } } } }');
    const lax = buildSchema('type A { a: A } type Query { a: A }');
    expect(() => limits.check(lax, deep, {})).not.toThrow();
    const strict = new LimitCheck({ ...DEFAULT_LIMITS, maxDepth: 3 });
    for (let i = 0; i < 2; i++) expect(() => strict.check(lax, deep, {})).toThrow('Query depth 4 exceeds the limit of 3');
    const wide = buildSchema('type A { a: [A] } type Query { a: [A] }');
    expect(() => limits.check(wide, parse('{ a { a { a { a { a } } } } }'), {})).toThrow(/exceeds the limit/);
    const doc = parse('{ a { a { a { a { a } } } } }');
    expect(() => limits.check(lax, doc, {})).not.toThrow();
    expect(() => limits.check(wide, doc, {})).toThrow(/exceeds the limit/);
  });
});
