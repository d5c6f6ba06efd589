import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkOperation } from '../src/input-check.js';

const ours = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');

describe('the gateway checks date values only for the OSR scalars', () => {
  const operation = (query: string) => {
    const document = parse(query);
    return { document, operation: document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)! };
  };

  it('our supergraph\'s Date and DateTime are the OSR scalars: a bad value is refused before planning', () => {
    const schema = Supergraph.build(ours).apiSchema().toGraphQLJSSchema();
    const q = operation('query ($d: Date) { services { code } }');
    expect(() => checkOperation(schema, q.document, q.operation, undefined, { d: '2024-02-30' })).toThrow(/Date "2024-02-30" is invalid/);
    expect(() => checkOperation(schema, q.document, q.operation, undefined, { d: '2024-02-29' })).not.toThrow();
    const t = operation('query ($t: DateTime) { services { code } }');
    expect(() => checkOperation(schema, t.document, t.operation, undefined, { t: '2024-01-01T10:00' })).toThrow(/DateTime/);
  });

  it('a document checked before: its variables are checked again on every request, a bad literal is refused every time, on every schema', () => {
    const schema = Supergraph.build(ours).apiSchema().toGraphQLJSSchema();
    const q = operation('mutation ($d: Date) { expireAgreements(asOf: "2024-02-29") { id } }');
    expect(() => checkOperation(schema, q.document, q.operation, undefined, { d: '2024-02-29' })).not.toThrow();
    expect(() => checkOperation(schema, q.document, q.operation, undefined, { d: '2024-02-30' })).toThrow(/Date "2024-02-30" is invalid/);
    // Passed on a graph whose Date is another scalar (and so remembered), the document is still refused on ours.
    const bad = operation('mutation { expireAgreements(asOf: "2024-02-30") { id } }');
    const other = buildSchema('"A day, any format" scalar Date\ntype Query { a: Int } type Mutation { expireAgreements(asOf: Date): [Int] }');
    expect(() => checkOperation(other, bad.document, bad.operation, undefined, {})).not.toThrow();
    for (let i = 0; i < 2; i++) expect(() => checkOperation(schema, bad.document, bad.operation, undefined, {})).toThrow(/2024-02-30/);
  });

  it('a Date or DateTime of another graph (another description) is left to its subgraph', () => {
    const schema = buildSchema('"A day, any format" scalar Date\n"When" scalar DateTime\ntype Query { on(d: Date, t: DateTime): Int }');
    const q = operation('query ($d: Date, $t: DateTime) { on(d: $d, t: $t) a: on(d: "yesterday", t: "1900-01-01T00:00") }');
    expect(() => checkOperation(schema, q.document, q.operation, undefined, { d: '30/02/2024', t: '1900-01-01T00:00' })).not.toThrow();
  });
});
