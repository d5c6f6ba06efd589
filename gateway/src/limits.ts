/**
 * Limits for ad-hoc queries, checked on the parsed operation before any subgraph is asked:
 * depth, aliases, field count and a cost estimate in which list sizes come from `first`
 * arguments (or a default). Each violation names the limit that was hit.
 */
import {
  GraphQLError,
  Kind,
  getNamedType,
  isListType,
  isNonNullType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  isObjectType,
  isInterfaceType,
  type GraphQLNamedType,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxFields: number;
  maxCost: number;
  /** Assumed size of a list field without a `first` argument. */
  defaultListSize: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 12, maxAliases: 30, maxFields: 400, maxCost: 50_000, defaultListSize: 20 };

export interface QueryMeasure {
  depth: number;
  aliases: number;
  fields: number;
  cost: number;
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/**
 * Measures an operation. Fragments are expanded where they are used (so a fragment used ten
 * times counts ten times); a fragment cycle is a validation error before this runs.
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  defaultListSize: number,
): QueryMeasure {
  const measure: QueryMeasure = { depth: 0, aliases: 0, fields: 0, cost: 0 };
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return measure;

  /** The `first` argument's value, or null when the field has none. */
  const firstOf = (node: FieldNode): number | null => {
    const arg = node.arguments?.find((a) => a.name.value === 'first');
    if (!arg) return null;
    if (arg.value.kind === Kind.INT) return Number(arg.value.value);
    if (arg.value.kind === Kind.VARIABLE) {
      const v = variables[arg.value.name.value];
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    }
    return null;
  };

  // Returns the cost of a selection set under one parent object. A connection's `first`
  // sizes its edges/nodes list (pageSized), so the list is not counted twice.
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, depth: number, seen: Set<string>, pageSized = false): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        measure.fields++;
        if (selection.alias) measure.aliases++;
        measure.depth = Math.max(measure.depth, depth);
        const field: GraphQLField<unknown, unknown> | undefined =
          isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[selection.name.value] : undefined;
        const first = firstOf(selection);
        const list = field !== undefined && isList(field.type);
        let childCost = 0;
        if (selection.selectionSet && field) {
          childCost = walk(selection.selectionSet, getNamedType(field.type), depth + 1, seen, first !== null && !list);
        }
        const pageList = pageSized && (selection.name.value === 'edges' || selection.name.value === 'nodes');
        const multiplier = first !== null ? Math.max(0, first) : list && !pageList ? defaultListSize : 1;
        cost += 1 + multiplier * childCost;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? parent) : parent;
        cost += walk(selection.selectionSet, type, depth, seen, pageSized);
      } else {
        const fragment = fragments[selection.name.value];
        if (!fragment || seen.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value) ?? parent;
        cost += walk(fragment.selectionSet, type, depth, new Set([...seen, fragment.name.value]), pageSized);
      }
    }
    return cost;
  };
  measure.cost = walk(operation.selectionSet, root, 1, new Set());
  return measure;
}

/** Throws a 400 error naming the first limit the measure exceeds. */
export function enforceLimits(measure: QueryMeasure, limits: QueryLimits): void {
  const checks: [keyof QueryMeasure, number, string][] = [
    ['depth', limits.maxDepth, 'depth'],
    ['aliases', limits.maxAliases, 'alias count'],
    ['fields', limits.maxFields, 'field count'],
    ['cost', limits.maxCost, 'cost'],
  ];
  for (const [key, max, label] of checks) {
    if (measure[key] > max) {
      throw new GraphQLError(`Query ${label} ${measure[key]} exceeds the limit of ${max}`, {
        extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit: key, value: measure[key], max, http: { status: 400 } },
      });
    }
  }
}
