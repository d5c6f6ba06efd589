/**
 * Limits for ad-hoc queries, checked on the parsed document before it is validated, planned
 * or sent to any subgraph: depth, aliases, field count and a cost estimate in which list
 * sizes come from `first` arguments (or a default). Each violation names the limit that was
 * hit. The rule and a worked example are in docs/gateway.md.
 *
 * One walk serves every limit. It is built so that no document can make it work hard:
 * - a selection set is measured once per (parent type, page context) and the result is
 *   remembered, so a fragment spread a million times over is walked once and its counts are
 *   added a million times (arithmetic, not work);
 * - the counts that only grow (fields, aliases, depth, and the cost of any part that is
 *   certainly paid for) are compared with their limit as they grow, so the walk stops at the
 *   first selection past a limit;
 * - the number of selections it visits is capped (`maxVisits`), whatever the document.
 */
import {
  GraphQLError,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getNamedType,
  parse,
  isAbstractType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, type JsonShapeLimits } from '@osr/common';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxFields: number;
  maxCost: number;
  /** Assumed size of a list field that takes no `first` argument. */
  defaultListSize: number;
  /**
   * Size of the page a field that takes `first` answers when it is omitted or null (the
   * API's default page), unless the schema gives the argument a default of its own.
   */
  defaultPageSize: number;
  /** Most selections the limit check itself visits in one document (its own work bound). */
  maxVisits: number;
  /**
   * Most variables the operations of one document declare together (validation reads every
   * operation). Validation works per variable (its type, whether and where it is used):
   * hundreds of them cost tens of milliseconds before any answer, while the API's own
   * operations declare a handful.
   */
  maxVariables: number;
}

export const DEFAULT_LIMITS: QueryLimits = {
  maxDepth: 12,
  maxAliases: 30,
  maxFields: 400,
  maxCost: 50_000,
  defaultListSize: 20,
  defaultPageSize: DEFAULT_PAGE_SIZE,
  maxVisits: 5_000,
  maxVariables: 50,
};

/**
 * Bounds on the shape of a request's JSON (the POST body, whose outermost object is level 1;
 * GET's `variables` and `extensions`), measured on the text before it is parsed, so that
 * nothing after it (parsing, the lone-surrogate check, variable coercion, the subgraph
 * requests that carry variables on) meets a deep or wide value. The deepest input of this
 * API nests a few levels, the longest list it takes holds 200 ids.
 */
export const DEFAULT_JSON_SHAPE: JsonShapeLimits = { maxDepth: 32, maxKeys: 1_000, maxValues: 10_000 };

/**
 * The fixed cost of an introspection field, whatever it selects: its answer is bounded by the
 * schema, not by data (graphql-js's own validation bounds nested lists of types). The full
 * introspection query of this graph answers about 150 kB: two fit under the default limit.
 */
export const INTROSPECTION_COST: Readonly<Record<string, number>> = { __schema: 20_000, __type: 1_000 };

export interface QueryMeasure {
  depth: number;
  aliases: number;
  fields: number;
  cost: number;
  /** Selections the walk visited (memoised parts count once). */
  visits: number;
}

type LimitName = 'depth' | 'aliases' | 'fields' | 'cost' | 'visits' | 'variables';

const LABELS: Record<LimitName, string> = {
  depth: 'depth',
  aliases: 'alias count',
  fields: 'field count',
  cost: 'cost',
  visits: 'size (selections visited by the limit check)',
  variables: 'variable count',
};

export function limitError(limit: LimitName, value: number, max: number): GraphQLError {
  return new GraphQLError(`Query ${LABELS[limit]} ${value} exceeds the limit of ${max}`, {
    extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit, value, max, http: { status: 400 } },
  });
}

/** What one selection set adds below its parent, per parent object. */
interface SetMeasure {
  fields: number;
  aliases: number;
  /** Levels of fields in and under this set (1 for a flat set, 0 for none). */
  levels: number;
  cost: number;
}

function isList(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/** The field a selection names on a parent type, meta fields included. */
function fieldOf(schema: GraphQLSchema, parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__typename') return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType()) {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
  }
  return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
}

/**
 * The walk over one document. Counts of the operation being measured grow in `fields`,
 * `aliases` and `depth`; results per selection set are remembered in `memo` for the whole
 * document (they do not depend on where the set is used).
 */
class Walk {
  fields = 0;
  aliases = 0;
  depth = 0;
  visits = 0;
  private readonly memo = new Map<SelectionSetNode, Map<string, SetMeasure>>();
  /** Fragments being measured right now: a spread of one of them is a cycle (a validation error). */
  private readonly open = new Set<string>();
  /** Variables whose value the measure read (the `first` arguments given by a variable). */
  readonly read = new Set<string>();

  /** Whether the walk measured this selection set (e.g. a fragment reached from an operation). */
  reached(set: SelectionSetNode): boolean {
    return this.memo.has(set);
  }

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
    private readonly limits: QueryLimits,
  ) {}

  /**
   * Int defaults of the operation being measured, for its variables the request gives no
   * value: `query ($n: Int = 500) { … (first: $n) }` runs with 500. Remembered measures
   * depend on them, so they are part of the memo's key.
   */
  private defaults = new Map<string, number>();
  private defaultsKey = '';

  /**
   * The size of the page a field's `first` argument asks for: its value (a literal, a
   * variable, or the variable's default), else, when the field takes `first`, the
   * argument's default in the schema or the API's default page. Null for a field without
   * `first`. A value that is no 32-bit Int is priced as omitted (validation refuses it).
   */
  private firstOf(node: FieldNode, field: GraphQLField<unknown, unknown> | undefined): number | null {
    const arg = node.arguments?.find((a) => a.name.value === 'first');
    let value: unknown = null;
    if (arg?.value.kind === Kind.INT) value = Number(arg.value.value);
    else if (arg?.value.kind === Kind.VARIABLE) {
      const name = arg.value.name.value;
      this.read.add(name);
      value = Object.hasOwn(this.variables, name) ? this.variables[name] : this.defaults.get(name);
    }
    if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 2 ** 31 - 1) return value;
    const declared = field?.args.find((a) => a.name === 'first');
    if (!declared) return null;
    const schemaDefault = declared.defaultValue;
    return typeof schemaDefault === 'number' && Number.isInteger(schemaDefault) && schemaDefault >= 0 ? schemaDefault : this.limits.defaultPageSize;
  }

  private countField(aliased: boolean, depth: number): void {
    if (++this.visits > this.limits.maxVisits) throw limitError('visits', this.visits, this.limits.maxVisits);
    if (++this.fields > this.limits.maxFields) throw limitError('fields', this.fields, this.limits.maxFields);
    if (aliased && ++this.aliases > this.limits.maxAliases) throw limitError('aliases', this.aliases, this.limits.maxAliases);
    if (depth > this.depth) {
      this.depth = depth;
      if (depth > this.limits.maxDepth) throw limitError('depth', depth, this.limits.maxDepth);
    }
  }

  /** A part of the cost that is certainly paid (nothing above it multiplies by 0) past the limit stops the walk. */
  private checkCost(cost: number, paid: boolean): void {
    if (paid && cost > this.limits.maxCost) throw limitError('cost', cost, this.limits.maxCost);
  }

  /**
   * Measures a selection set whose fields lie at `depth`, under objects of type `parent`.
   * `pageSized`: the set belongs to a connection whose `first` already sized its page, so its
   * `edges`/`nodes` list is not multiplied again. `paid`: no multiplier of 0 lies above.
   */
  set(set: SelectionSetNode, parent: GraphQLNamedType | undefined, depth: number, pageSized: boolean, paid: boolean): SetMeasure {
    const key = `${parent?.name ?? '?'}|${pageSized ? 'p' : ''}|${this.defaultsKey}`;
    let byKey = this.memo.get(set);
    const known = byKey?.get(key);
    if (known) {
      // Used again: add its counts (checked like any other growth), no walk.
      if (++this.visits > this.limits.maxVisits) throw limitError('visits', this.visits, this.limits.maxVisits);
      this.fields += known.fields;
      if (this.fields > this.limits.maxFields) throw limitError('fields', this.fields, this.limits.maxFields);
      this.aliases += known.aliases;
      if (this.aliases > this.limits.maxAliases) throw limitError('aliases', this.aliases, this.limits.maxAliases);
      const deepest = depth - 1 + known.levels;
      if (known.levels > 0 && deepest > this.depth) {
        this.depth = deepest;
        if (deepest > this.limits.maxDepth) throw limitError('depth', deepest, this.limits.maxDepth);
      }
      this.checkCost(known.cost, paid);
      return known;
    }

    const fieldsBefore = this.fields;
    const aliasesBefore = this.aliases;
    let levels = 0;
    // Cost of what every object gets, and of the branches that apply only to some types.
    let always = 0;
    const branches = new Map<GraphQLNamedType | undefined, number>();

    // Fields of introspection types (`__Schema`, `__Type`, …) add no depth: their nesting
    // (`ofType { ofType { … } }`) is bounded by the schema's, and the standard introspection
    // query nests deeper than any data query needs to. They count as fields and aliases.
    const flat = parent !== undefined && parent.name.startsWith('__');
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        this.countField(selection.alias !== undefined, flat ? 0 : depth);
        if (!flat) levels = Math.max(levels, 1);
        const field = fieldOf(this.schema, parent, name);
        const first = this.firstOf(selection, field);
        const list = field !== undefined && isList(field.type);
        const pageList = pageSized && (name === 'edges' || name === 'nodes');
        const multiplier = first !== null ? Math.max(0, first) : list && !pageList ? this.limits.defaultListSize : 1;
        const fixed = INTROSPECTION_COST[name];
        const introspection = fixed !== undefined && (field === SchemaMetaFieldDef || field === TypeMetaFieldDef);
        let childCost = 0;
        if (selection.selectionSet) {
          const child = this.set(
            selection.selectionSet,
            field ? getNamedType(field.type) : undefined,
            depth + 1,
            first !== null && !list,
            paid && multiplier > 0 && !introspection,
          );
          if (!flat) levels = Math.max(levels, 1 + child.levels);
          childCost = child.cost;
        }
        always += introspection ? fixed : 1 + multiplier * childCost;
        this.checkCost(always, paid);
        continue;
      }

      if (++this.visits > this.limits.maxVisits) throw limitError('visits', this.visits, this.limits.maxVisits);
      let inner: SelectionSetNode;
      let condition: GraphQLNamedType | undefined;
      let conditioned: boolean;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        inner = selection.selectionSet;
        conditioned = selection.typeCondition !== undefined;
        condition = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : parent;
      } else {
        const name = selection.name.value;
        const fragment = this.fragments.get(name);
        if (!fragment || this.open.has(name)) continue; // unknown or cyclic: validation refuses it
        inner = fragment.selectionSet;
        conditioned = true;
        condition = this.schema.getType(fragment.typeCondition.name.value);
      }
      const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : null;
      if (name) this.open.add(name);
      let child: SetMeasure;
      try {
        child = this.set(inner, condition, depth, pageSized, paid);
      } finally {
        if (name) this.open.delete(name);
      }
      levels = Math.max(levels, child.levels);
      if (!conditioned || condition === parent) always += child.cost;
      else branches.set(condition, (branches.get(condition) ?? 0) + child.cost);
    }

    const cost = always + this.costliestAlternative(parent, branches);
    this.checkCost(cost, paid);
    const measure: SetMeasure = { fields: this.fields - fieldsBefore, aliases: this.aliases - aliasesBefore, levels, cost };
    if (!byKey) this.memo.set(set, (byKey = new Map()));
    byKey.set(key, measure);
    return measure;
  }

  /**
   * Branches under type conditions are alternatives for one object: an object of type T
   * gets every branch whose condition T satisfies (its own type, an interface it implements,
   * a union it belongs to), and no other. The set pays for its most expensive object type.
   */
  private costliestAlternative(parent: GraphQLNamedType | undefined, branches: Map<GraphQLNamedType | undefined, number>): number {
    if (branches.size === 0) return 0;
    let objectTypes: readonly GraphQLObjectType[];
    if (parent && isAbstractType(parent)) objectTypes = this.schema.getPossibleTypes(parent);
    else if (parent && isObjectType(parent)) objectTypes = [parent];
    else {
      // Unknown parent (the document is invalid and validation refuses it): add everything.
      let sum = 0;
      for (const cost of branches.values()) sum += cost;
      return sum;
    }
    let costliest = 0;
    for (const type of objectTypes) {
      let cost = 0;
      for (const [condition, branchCost] of branches) {
        if (condition === undefined || condition === type || (isAbstractType(condition) && this.schema.isSubType(condition, type))) cost += branchCost;
      }
      costliest = Math.max(costliest, cost);
    }
    return costliest;
  }

  /** Measures one operation, counting from zero. */
  operation(operation: OperationDefinitionNode): QueryMeasure {
    this.fields = 0;
    this.aliases = 0;
    this.depth = 0;
    this.defaults = new Map();
    for (const definition of operation.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      const value = definition.defaultValue;
      if (value?.kind === Kind.INT && !Object.hasOwn(this.variables, name)) this.defaults.set(name, Number(value.value));
    }
    this.defaultsKey = [...this.defaults].map(([name, value]) => `${name}=${value}`).sort().join(',');
    let root: GraphQLNamedType | undefined | null;
    if (operation.operation === 'mutation') root = this.schema.getMutationType();
    else if (operation.operation === 'subscription') root = this.schema.getSubscriptionType();
    else root = this.schema.getQueryType();
    const { cost } = this.set(operation.selectionSet, root ?? undefined, 1, false, true);
    return { depth: this.depth, aliases: this.aliases, fields: this.fields, cost, visits: this.visits };
  }
}

/**
 * Measures one operation of a document. Fragments are counted where they are used (a
 * fragment used ten times counts ten times) but walked once. Throws QUERY_LIMIT_EXCEEDED at
 * the first limit passed.
 */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  limits: QueryLimits,
): QueryMeasure {
  return new Walk(schema, new Map(Object.entries(fragments)), variables, limits).operation(operation);
}

/**
 * Checks a whole document before it is validated: every operation in it must keep within
 * the limits (validation reads all of them, whichever operation runs), and every fragment
 * must be used by one (validation would refuse an unused one, after reading it for
 * nothing). Returns the measure of each operation by name ('' for an anonymous one).
 * Throws QUERY_LIMIT_EXCEEDED at the first limit passed, GRAPHQL_VALIDATION_FAILED for an
 * unused fragment.
 */
export function checkDocumentLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  limits: QueryLimits,
  /** Given: the names of the variables whose values the measure depends on are added to it. */
  read?: Set<string>,
): Map<string, QueryMeasure> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(d.name.value)) fragments.set(d.name.value, d);
  }
  let declared = 0;
  for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION) declared += d.variableDefinitions?.length ?? 0;
  if (declared > limits.maxVariables) throw limitError('variables', declared, limits.maxVariables);
  const walk = new Walk(schema, fragments, variables, limits);
  const operations = new Map<string, QueryMeasure>();
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) operations.set(d.name?.value ?? '', walk.operation(d));
  }
  // Every fragment was measured where an operation uses it; one no operation uses is refused
  // with graphql-js's own message.
  for (const fragment of document.definitions) {
    // (A second fragment of the same name is left to validation, which names the clash.)
    if (fragment.kind === Kind.FRAGMENT_DEFINITION && fragments.get(fragment.name.value) === fragment && !walk.reached(fragment.selectionSet)) {
      throw new GraphQLError(`Fragment "${fragment.name.value}" is never used.`, {
        nodes: [fragment],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
      });
    }
  }
  if (read) for (const name of walk.read) read.add(name);
  return operations;
}

/**
 * The values of the named variables as one string, or null when one of them is no number
 * (nor null): such a value is priced as omitted, and not worth remembering.
 */
function variablesKey(names: readonly string[], variables: Record<string, unknown>): string | null {
  let key = '';
  for (const name of names) {
    if (!Object.hasOwn(variables, name)) {
      key += '-,';
      continue;
    }
    const value = variables[name];
    if (typeof value === 'number') key += `${value},`;
    else if (value === null) key += 'null,';
    else return null;
  }
  return key;
}

/**
 * checkDocumentLimits for one gateway's limits, remembering the documents that passed: the
 * measure depends on the schema, the document and the values of the variables given to
 * `first` arguments only, so a document asked again (Apollo Server and the precheck keep
 * one parsed document per query text) with the same such values is not walked again. A
 * document that failed is walked again every time.
 */
export class LimitCheck {
  private readonly passed = new WeakMap<DocumentNode, { schema: GraphQLSchema; names: string[]; key: string }>();

  constructor(private readonly limits: QueryLimits) {}

  /** Throws as checkDocumentLimits does. */
  check(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>): void {
    const known = this.passed.get(document);
    if (known && known.schema === schema && variablesKey(known.names, variables) === known.key) return;
    const read = new Set<string>();
    checkDocumentLimits(schema, document, variables, this.limits, read);
    const names = [...read].sort();
    const key = variablesKey(names, variables);
    if (key !== null) this.passed.set(document, { schema, names, key });
  }
}

/** The parts of a GraphQL HTTP request the limits need, from a POST body or GET parameters. */
export function graphQLParams(
  body: unknown,
  search: URLSearchParams,
): { query?: string; hash?: string; variables: Record<string, unknown>; operationName?: string } {
  let source: Record<string, unknown> = {};
  if (body && typeof body === 'object' && !Array.isArray(body)) source = body as Record<string, unknown>;
  else if (body === undefined) {
    const json = (name: string) => {
      const text = search.get(name);
      if (text === null) return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    };
    source = { query: search.get('query') ?? undefined, operationName: search.get('operationName') ?? undefined, variables: json('variables'), extensions: json('extensions') };
  }
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const persisted = isRecord(source['extensions']) ? source['extensions']['persistedQuery'] : undefined;
  const hash = isRecord(persisted) && typeof persisted['sha256Hash'] === 'string' ? persisted['sha256Hash'] : undefined;
  return {
    query: typeof source['query'] === 'string' ? source['query'] : undefined,
    hash,
    variables: isRecord(source['variables']) ? source['variables'] : {},
    operationName: typeof source['operationName'] === 'string' ? source['operationName'] : undefined,
  };
}

/** Most characters of a client-chosen operation name that a log line holds. */
export const MAX_LOGGED_NAME = 100;

/**
 * An operation name as the request log holds it. A name is one token whatever its length (a
 * 900 kB name passes the token limit): past MAX_LOGGED_NAME characters it is cut, and the
 * line says how long it was.
 */
export function loggedName(name: string | null | undefined): string | null {
  if (name === null || name === undefined) return null;
  return name.length <= MAX_LOGGED_NAME ? name : `${name.slice(0, MAX_LOGGED_NAME)}… (${name.length} characters)`;
}

/**
 * Parsed documents by their text, so that the limit check does not parse again what it saw
 * before (small documents only, a bounded number, least recently used first out). The
 * parser stops at `maxTokens`.
 */
export class DocumentCache {
  private readonly entries = new Map<string, DocumentNode>();

  constructor(
    private readonly maxTokens: number,
    private readonly maxEntries = 500,
    private readonly maxLength = 16 * 1024,
  ) {}

  /** The parsed document, or null when it does not parse (Apollo Server reports why). */
  parse(query: string): DocumentNode | null {
    const known = this.entries.get(query);
    if (known) {
      this.entries.delete(query);
      this.entries.set(query, known);
      return known;
    }
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: this.maxTokens });
    } catch {
      return null;
    }
    if (query.length <= this.maxLength) {
      this.entries.set(query, document);
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return document;
  }
}
