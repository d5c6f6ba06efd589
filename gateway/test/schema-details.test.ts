import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { getVariableValues, parse, specifiedRules, validate, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withoutSchemaDetails } from '../src/schema-details.js';

const schema = Supergraph.build(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8')).apiSchema().toGraphQLJSSchema();

/** graphql-js's validation messages for a document, as a gateway without introspection answers them. */
const masked = (query: string) => validate(schema, parse(query), specifiedRules).map((e) => withoutSchemaDetails({ message: e.message }).message);

/** Its variable coercion messages likewise. */
function maskedVariables(query: string, variables: Record<string, unknown>): string[] {
  const operation = parse(query).definitions[0] as OperationDefinitionNode;
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  return (result.errors ?? []).map((e) => withoutSchemaDetails({ message: e.message }).message);
}

describe('validation messages without what the caller did not write (introspection off)', () => {
  it('does not name a required argument left out, nor its type', () => {
    expect(masked('{ board { name } }')).toEqual(['Field "board" is missing a required argument.']);
    expect(masked('{ services @include { code } }')).toEqual(['Directive "@include" is missing a required argument.']);
  });

  it('does not name the required fields of an input object, nor the input type of a literal', () => {
    const messages = masked('mutation { grantMandate(input: { foo: 1 }) { mandates { id } } }');
    expect(messages).toContain('A required input field was not provided.');
    expect(messages).toContain('Field "foo" is not defined by the input type.');
    for (const hidden of ['GrantMandateInput', 'service', 'systemId', 'bevoegdGezagNummer', 'startDate', 'ServiceCode', 'ID!', 'Date!']) {
      expect(messages.join('\n')).not.toContain(hidden);
    }
  });

  it('does the same for a variable of an input type', () => {
    const messages = maskedVariables('mutation ($i: GrantMandateInput!) { grantMandate(input: $i) { mandates { id } } }', { i: { foo: 1 } });
    expect(messages).toContain('Variable "$i" got invalid value { foo: 1 }; a required input field was not provided.');
    for (const hidden of ['systemId', 'bevoegdGezagNummer', 'startDate', 'ServiceCode', 'ID!', 'Date!']) expect(messages.join('\n')).not.toContain(hidden);
  });

  it('does not name the type an argument or a variable position expects, nor an enum type the caller did not write', () => {
    expect(masked('query ($n: String) { suppliers(first: $n) { edges { cursor } } }')).toEqual([
      'Variable "$n" of type "String" is used in a position expecting another type.',
    ]);
    expect(masked('{ service(code: OSO_O) { name } }')).toEqual(['Value "OSO_O" does not exist in the enum.']);
    expect(masked('{ service(code: "OSO_OV") { name } }')).toEqual(['The enum cannot represent non-enum value: "OSO_OV".']);
    expect(masked('{ board(bevoegdGezagNummer: "1", x: 1) { name } }')).toEqual(['Unknown argument "x" on field "board".']);
  });

  it('leaves what the caller wrote, and messages that name nothing else, as they are', () => {
    const unchanged = { message: 'Cannot query field "cod" on type "Service".' };
    expect(withoutSchemaDetails(unchanged)).toBe(unchanged);
    expect(masked('{ services { cod } }')).toEqual(['Cannot query field "cod" on type "Service".']);
    expect(maskedVariables('query ($c: ServiceCode!) { service(code: $c) { name } }', { c: null })).toEqual([
      'Variable "$c" of non-null type "ServiceCode!" must not be null.',
    ]);
  });
});
