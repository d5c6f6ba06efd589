/**
 * Checks the gateway can make before planning: the operation exists and is a query or
 * mutation, and every Date/DateTime value (literal or variable, also inside input objects
 * and lists) is valid. The gateway's schema carries only the scalars' names, so without this
 * a bad date would first fail in a subgraph.
 */
import {
  GraphQLError,
  Kind,
  TypeInfo,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { DateScalar, DateTimeScalar } from '@osr/common';

const OSR_SCALARS = [DateScalar, DateTimeScalar];

/**
 * The parser of an OSR scalar, recognised by name and description. A supergraph of other
 * subgraphs (SUPERGRAPH_FILE) may have a Date or DateTime of its own, in another format:
 * only its subgraphs judge those values.
 */
function osrScalarParser(type: GraphQLNamedType): ((value: unknown) => unknown) | undefined {
  const own = OSR_SCALARS.find((s) => s.name === type.name && s.description === type.description);
  return own ? (v) => own.parseValue(v) : undefined;
}

function refuse(message: string, code = 'BAD_USER_INPUT'): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

function checkValue(type: GraphQLInputType, value: unknown, where: string): void {
  if (value === null || value === undefined) return;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    if (Array.isArray(value)) value.forEach((v, i) => checkValue(inner.ofType, v, `${where}[${i}]`));
    else checkValue(inner.ofType, value, where);
    return;
  }
  if (isInputObjectType(inner)) {
    if (typeof value !== 'object') return; // graphql's own coercion reports it
    const fields = inner.getFields();
    for (const [name, field] of Object.entries(fields)) checkValue(field.type, (value as Record<string, unknown>)[name], `${where}.${name}`);
    return;
  }
  const parse = osrScalarParser(getNamedType(inner));
  if (!parse) return;
  try {
    parse(value);
  } catch (err) {
    throw refuse(`Variable "${where}" got an invalid value: ${(err as Error).message}`);
  }
}

/**
 * Documents whose literal values were found valid, with the schema they were checked on:
 * Apollo Server keeps one parsed document per query text, so a query asked again is not
 * walked again (the walk depends on nothing else; variables are checked on every request).
 */
const literalsValid = new WeakMap<DocumentNode, GraphQLSchema>();

export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode | undefined | null,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
): void {
  if (!operation) {
    throw refuse(
      operationName ? `Unknown operation named "${operationName}"` : 'Must provide operation name if query contains multiple operations',
      'OPERATION_RESOLUTION_FAILURE',
    );
  }
  if (operation.operation === 'subscription') throw refuse('This API has no subscriptions', 'GRAPHQL_VALIDATION_FAILED');

  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    if (type) checkValue(type as GraphQLInputType, variables[definition.variable.name.value], `$${definition.variable.name.value}`);
  }

  if (literalsValid.get(document) === schema) return;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.STRING](node) {
        const type = typeInfo.getInputType();
        const parse = type ? osrScalarParser(getNamedType(type)) : undefined;
        if (!parse) return;
        try {
          parse(node.value);
        } catch (err) {
          throw refuse((err as Error).message, 'GRAPHQL_VALIDATION_FAILED');
        }
      },
    }),
  );
  literalsValid.set(document, schema);
}
