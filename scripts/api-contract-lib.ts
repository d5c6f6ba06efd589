/**
 * The API contract (docs/clients.md): the public API schema (schema/api.graphql) compared
 * with the last released one (schema/released/api.graphql), and every operation a client of
 * ours is known to send validated against it.
 *
 * A breaking change (graphql-inspector's criticality) passes only when CHANGELOG.md names it
 * under the next version ("## Unreleased") and the released schema deprecated it first: what a
 * client was told would go may go, nothing else. Every @deprecated names the date it goes.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import {
  Kind,
  TypeInfo,
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  parse,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import ts from 'typescript';

export const UNRELEASED_HEADING = '## Unreleased';

/** An operation a client is known to send, and where it is written down. */
export interface RegisteredOperation {
  /** The operation's name, or "anonymous" */
  name: string;
  /** file (and line for a document inside a larger file), relative to the repository */
  source: string;
  document: DocumentNode;
}

const isExecutable = (doc: DocumentNode) =>
  doc.definitions.length > 0 && doc.definitions.every((d) => d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION);

/** One entry per operation of a document (with the document's fragments), so each is validated and named alone. */
function operationsOf(text: string, source: string): RegisteredOperation[] {
  const document = parse(text);
  const fragments = document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  return document.definitions.flatMap((d) => {
    if (d.kind !== Kind.OPERATION_DEFINITION) return [];
    const at = d.loc ? text.slice(0, d.loc.start).split('\n').length - 1 : 0;
    const where = at === 0 ? source : /:\d+$/.test(source) ? source.replace(/:(\d+)$/, (_, l: string) => `:${Number(l) + at}`) : `${source}:${at + 1}`;
    return [{ name: d.name?.value ?? 'anonymous', source: where, document: { kind: Kind.DOCUMENT, definitions: [d, ...fragments] } }];
  });
}

function filesUnder(dir: string, accept: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return entry === 'node_modules' || entry === 'generated' || entry === 'gql' ? [] : filesUnder(path, accept);
      return accept(path) ? [path] : [];
    });
}

/** The ```graphql blocks of a Markdown file that are operations (a block marked ```graphql not-osr shows another schema). */
export function markdownOperations(text: string, source: string): RegisteredOperation[] {
  const ops: RegisteredOperation[] = [];
  const fence = /^```graphql([^\n]*)\n([\s\S]*?)^```/gm;
  for (const m of text.matchAll(fence)) {
    if ((m[1] ?? '').includes('not-osr')) continue;
    const line = text.slice(0, m.index).split('\n').length;
    const body = m[2] ?? '';
    let doc: DocumentNode;
    try {
      doc = parse(body);
    } catch (err) {
      throw new Error(`${source}:${line}: a graphql block that does not parse: ${(err as Error).message}`);
    }
    if (isExecutable(doc)) ops.push(...operationsOf(body, `${source}:${line}`));
  }
  return ops;
}

/**
 * The GraphQL operations written as string literals in a TypeScript file (the bench's and the
 * client example's): a literal that parses as an executable document counts; one built with
 * substitutions is not. (The limits bench sends hostile documents, not a client's: not registered.)
 */
export function typescriptOperations(text: string, source: string): RegisteredOperation[] {
  const file = ts.createSourceFile(source, text, ts.ScriptTarget.Latest, true);
  const ops: RegisteredOperation[] = [];
  const visitNode = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      const value = node.text.trim();
      if (/^(query|mutation|subscription|fragment)\b|^\{/.test(value)) {
        try {
          const doc = parse(value);
          if (isExecutable(doc)) {
            const line = file.getLineAndCharacterOfPosition(node.getStart()).line + 1;
            ops.push(...operationsOf(value, `${source}:${line}`));
          }
        } catch {
          // not GraphQL (a message or a usage text that starts like one)
        }
      }
    }
    ts.forEachChild(node, visitNode);
  };
  visitNode(file);
  return ops;
}

/** The safelist manifest's operations ({ "operations": [{ "name", "query" }] }, the gateway's SAFELIST_FILE). */
export function safelistOperations(text: string, source: string): RegisteredOperation[] {
  const manifest = JSON.parse(text) as { operations?: { name: string; query: string }[] };
  return (manifest.operations ?? []).map((op) => ({ name: op.name, source, document: parse(op.query) }));
}

/** Where the operations a client sends are written down, relative to the repository. */
export const OPERATION_SOURCES = {
  safelist: 'schema/safelist.json',
  queries: 'test/queries',
  docs: ['README.md', 'docs'],
  bench: ['scripts/bench.ts', 'scripts/bench-analytics.ts', 'scripts/bench-mandate-check.ts', 'scripts/bench-webhooks.ts', 'scripts/bench'],
  examples: 'examples/front-end/src',
} as const;

/** Every registered operation: the safelist, test/queries/, the documentation's examples, the bench's queries, the client example. */
export function registeredOperations(root: string): RegisteredOperation[] {
  const rel = (path: string) => relative(root, path);
  const read = (path: string) => readFileSync(path, 'utf8');
  const ops: RegisteredOperation[] = [];
  const safelist = join(root, OPERATION_SOURCES.safelist);
  if (existsSync(safelist)) ops.push(...safelistOperations(read(safelist), rel(safelist)));
  for (const path of filesUnder(join(root, OPERATION_SOURCES.queries), (p) => p.endsWith('.graphql'))) ops.push(...operationsOf(read(path), rel(path)));
  for (const entry of OPERATION_SOURCES.docs) {
    const path = join(root, entry);
    const files = statSync(path).isDirectory() ? filesUnder(path, (p) => p.endsWith('.md')) : [path];
    for (const file of files) ops.push(...markdownOperations(read(file), rel(file)));
  }
  for (const entry of [...OPERATION_SOURCES.bench, OPERATION_SOURCES.examples]) {
    const path = join(root, entry);
    if (!existsSync(path)) continue;
    const files = statSync(path).isDirectory() ? filesUnder(path, (p) => p.endsWith('.ts')) : [path];
    for (const file of files) ops.push(...typescriptOperations(read(file), rel(file)));
  }
  return ops;
}

/** "Name (source): message" for every operation that does not validate against the schema. */
export function invalidOperations(schema: GraphQLSchema, ops: readonly RegisteredOperation[]): { operation: RegisteredOperation; errors: string[] }[] {
  return ops.flatMap((operation) => {
    const errors = validate(schema, operation.document).map((e) => e.message);
    return errors.length ? [{ operation, errors }] : [];
  });
}

/** The schema coordinates an operation uses (Type.field, Type.field.arg, Enum.VALUE, Input.field, Type), read with the schema it was written for. */
export function coordinatesUsed(schema: GraphQLSchema, document: DocumentNode): Set<string> {
  const used = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (parent && field) {
          used.add(parent.name).add(`${parent.name}.${field.name}`);
          used.add(getNamedType(field.type).name);
        }
      },
      Argument(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (parent && field) used.add(`${parent.name}.${field.name}.${node.name.value}`);
      },
      ObjectField(node) {
        const input = typeInfo.getParentInputType();
        const named = input ? getNamedType(input) : null;
        if (named) used.add(`${named.name}.${node.name.value}`);
      },
      EnumValue(node) {
        const input = typeInfo.getInputType();
        const named = input ? getNamedType(input) : null;
        if (named) used.add(`${named.name}.${node.value}`);
      },
      NamedType(node) {
        used.add(node.name.value);
      },
    }),
  );
  return used;
}

/** The entries of CHANGELOG.md's next version: the text between "## Unreleased" and the next "## ". */
export function unreleasedSection(changelog: string): string {
  const start = changelog.indexOf(`\n${UNRELEASED_HEADING}\n`);
  if (start < 0) return '';
  const rest = changelog.slice(start + UNRELEASED_HEADING.length + 2);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Whether the element at a change's path carries @deprecated in the schema (types cannot: their removal follows their fields'). */
export function deprecatedIn(schema: GraphQLSchema, path: string): boolean | null {
  const [typeName, member, arg] = path.split('.');
  const type = typeName ? schema.getType(typeName) : undefined;
  if (!type) return null;
  if (member === undefined) return null;
  if (isEnumType(type)) return Boolean(type.getValue(member)?.deprecationReason);
  if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
    const field = type.getFields()[member];
    if (!field) return null;
    if (arg === undefined) return Boolean(field.deprecationReason);
    const argument = 'args' in field ? field.args.find((a) => a.name === arg) : undefined;
    return argument ? Boolean(argument.deprecationReason) : null;
  }
  return null;
}

/** Every @deprecated whose reason does not say the date it goes (YYYY-MM-DD). */
export function deprecationsWithoutDate(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const dated = (reason: string | null | undefined) => reason === null || reason === undefined || /\b\d{4}-\d{2}-\d{2}\b/.test(reason);
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type)) continue;
    if (isEnumType(type)) for (const v of type.getValues()) if (!dated(v.deprecationReason)) missing.push(`${type.name}.${v.name}`);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!dated(field.deprecationReason)) missing.push(`${type.name}.${field.name}`);
        if ('args' in field) for (const a of field.args) if (!dated(a.deprecationReason)) missing.push(`${type.name}.${field.name}.${a.name}`);
      }
    }
  }
  return missing;
}

/** Every type and field (input fields too) without a description. */
export function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (!type.description?.trim()) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
    }
  }
  return missing;
}

export interface ContractInput {
  /** schema/api.graphql as it would be committed */
  api: string;
  /** schema/released/api.graphql */
  released: string;
  changelog: string;
  operations: readonly RegisteredOperation[];
}

export interface ContractReport {
  breaking: { change: Change; announced: boolean; deprecated: boolean | null; operations: string[] }[];
  other: Change[];
  invalid: { operation: RegisteredOperation; errors: string[] }[];
  undated: string[];
  /** one line per reason the check fails; empty when it passes */
  problems: string[];
}

const label = (op: RegisteredOperation) => `${op.name} (${op.source})`;

export async function checkContract(input: ContractInput): Promise<ContractReport> {
  const current = buildSchema(input.api);
  const released = buildSchema(input.released);
  const changes = await diff(released, current);
  const notes = unreleasedSection(input.changelog);
  const usedByOp = input.operations.map((op) => ({ op, used: coordinatesUsed(released, op.document) }));
  const breaking = changes
    .filter((c) => c.criticality.level === CriticalityLevel.Breaking)
    .map((change) => {
      const path = change.path ?? '';
      const announced = path !== '' && notes.split('\n').some((line) => line.includes(`\`${path}\``) && /deprecated/i.test(line));
      const deprecated = deprecatedIn(released, path);
      const operations = usedByOp.filter(({ used }) => used.has(path)).map(({ op }) => label(op));
      return { change, announced, deprecated, operations };
    });
  const invalid = invalidOperations(current, input.operations);
  const undated = deprecationsWithoutDate(current);
  const problems: string[] = [];
  for (const b of breaking) {
    if (b.announced && b.deprecated !== false) continue;
    const why = !b.announced
      ? `not named with its deprecation under "${UNRELEASED_HEADING}" in CHANGELOG.md`
      : 'named in CHANGELOG.md, but the released schema never deprecated it';
    const ops = b.operations.length ? `; breaks ${b.operations.join(', ')}` : '';
    problems.push(`breaking change at \`${b.change.path ?? '?'}\`: ${b.change.message} (${why})${ops}`);
  }
  for (const { operation, errors } of invalid) problems.push(`operation ${label(operation)} no longer validates: ${errors.join(' ')}`);
  for (const path of undated) problems.push(`\`${path}\` is @deprecated without the date it goes (YYYY-MM-DD in the reason)`);
  return { breaking, other: changes.filter((c) => c.criticality.level !== CriticalityLevel.Breaking), invalid, undated, problems };
}
