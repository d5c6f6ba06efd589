/**
 * The API contract (docs/clients.md): schema/api.graphql is the composition's API schema,
 * described throughout; a breaking change against schema/released/api.graphql fails the check
 * unless CHANGELOG.md announces it with the deprecation it follows; a registered operation
 * that no longer validates fails it, named.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, parse } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkContract,
  deprecationsWithoutDate,
  markdownOperations,
  registeredOperations,
  undescribed,
  type RegisteredOperation,
} from '../scripts/api-contract-lib.js';
import { apiSchemaPath, compose, readSubgraphSources, releasedApiSchemaPath, supergraphConfigPath } from '../scripts/compose-lib.js';
import { repoRoot } from '../scripts/ferretdb.js';

const api = readFileSync(apiSchemaPath, 'utf8');
const released = readFileSync(releasedApiSchemaPath, 'utf8');
const changelog = readFileSync(join(repoRoot, 'CHANGELOG.md'), 'utf8');
const operations = registeredOperations(repoRoot);
const temporary: string[] = [];
afterAll(() => temporary.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('schema/api.graphql', () => {
  it('is the API schema of a fresh composition: no federation directives or join__ types', () => {
    expect(api).toBe(compose().api);
    expect(api).not.toMatch(/@join__|@link|join__|link__|@key|@external|@shareable/);
    expect(buildSchema(api).getQueryType()?.getFields()['board']).toBeDefined();
  });

  it('describes every type and field, and every @deprecated says the date it goes', () => {
    const schema = buildSchema(api);
    expect(undescribed(schema)).toEqual([]);
    expect(deprecationsWithoutDate(schema)).toEqual([]);
    // the checks see what they look for
    expect(undescribed(buildSchema('"Q" type Query { a: Int }'))).toEqual(['Query.a']);
    expect(deprecationsWithoutDate(buildSchema('type Query { a: Int @deprecated(reason: "use b") b: Int @deprecated(reason: "use a; goes 2027-01-31") }'))).toEqual(['Query.a']);
  });
});

describe('registered operations', () => {
  it('come from the safelist, test/queries, the docs, the bench and the client example, and all validate', async () => {
    const sources = operations.map((o) => o.source);
    for (const where of ['schema/safelist.json', 'test/queries/board-overview.graphql', 'README.md:', 'docs/webhooks.md:', 'scripts/bench/read.ts:', 'scripts/bench.ts:', 'examples/front-end/src/']) {
      expect(sources.some((s) => s.startsWith(where)), where).toBe(true);
    }
    const report = await checkContract({ api, released, changelog, operations });
    expect(report.problems).toEqual([]);
  });

  it('a documentation example that no longer validates fails the check, named with its file and line', async () => {
    const doc = 'Intro.\n\n```graphql\nquery Gone { board(bevoegdGezagNummer: "41234") { naam } }\n```\n';
    const report = await checkContract({ api, released, changelog, operations: markdownOperations(doc, 'docs/x.md') });
    expect(report.problems).toEqual([expect.stringMatching(/^operation Gone \(docs\/x\.md:3\) no longer validates: Cannot query field "naam" on type "Board"/)]);
  });
});

describe('the breaking-change check', () => {
  it('fails when a field is renamed in a subgraph SDL, naming the field and the operations it breaks', async () => {
    // A temporary copy of the subgraph SDLs and the supergraph config, School.sector renamed.
    const dir = mkdtempSync(join(tmpdir(), 'osr-contract-'));
    temporary.push(dir);
    cpSync(join(repoRoot, 'subgraphs'), join(dir, 'subgraphs'), { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes('generated') });
    cpSync(supergraphConfigPath, join(dir, 'schema', 'supergraph.yaml'));
    const sdlPath = join(dir, 'subgraphs', 'organisations', 'src', 'schema.graphql');
    const sdl = readFileSync(sdlPath, 'utf8');
    const renamed = sdl.replace(/^( {2})sector: Sector!$/m, '$1onderwijssector: Sector!');
    expect(renamed).not.toBe(sdl);
    writeFileSync(sdlPath, renamed);

    const { api: changed } = compose(readSubgraphSources(join(dir, 'schema', 'supergraph.yaml')));
    const report = await checkContract({ api: changed, released, changelog, operations });
    const problem = report.problems.find((p) => p.startsWith('breaking change at `School.sector`'));
    expect(problem).toBeDefined();
    expect(problem).toContain("Field 'sector' was removed from object type 'School'");
    expect(problem).toContain('not named with its deprecation under "## Unreleased" in CHANGELOG.md');
    expect(problem).toContain('BoardOverview (test/queries/board-overview.graphql)');
    expect(problem).toContain('SchoolOverview (scripts/bench/read.ts:');
    expect(report.problems).toContain(
      report.problems.find((p) => p.startsWith('operation BoardOverview (test/queries/board-overview.graphql) no longer validates: Cannot query field "sector" on type "School"')),
    );
    expect(report.invalid.map((i) => i.operation.name)).toEqual(expect.arrayContaining(['BoardOverview', 'SchoolOverview']));
  });

  const before = `"Q" type Query {
  "A" a: Int @deprecated(reason: "use b; goes on 2027-01-31")
  "B" b: Int
  "C" c: Int
}`;
  const after = '"Q" type Query { "B" b: Int }';
  const note = (text: string) => `# Changelog\n\n## Unreleased\n\n${text}\n\n## 1.0.0 (2026-12-07)\n\n- first\n`;
  const none: RegisteredOperation[] = [];
  const useC: RegisteredOperation[] = [{ name: 'UsesC', source: 'test/queries/c.graphql', document: parse('query UsesC { c }') }];

  it('passes the removal of a deprecated field that CHANGELOG.md names under Unreleased with its deprecation', async () => {
    const report = await checkContract({ api: after.replace('"B" b: Int', '"B" b: Int "C" c: Int'), released: before, changelog: note('- `Query.a` removed (deprecated in 1.0.0, to go on 2027-01-31: use `Query.b`)'), operations: none });
    expect(report.breaking.map((b) => b.change.path)).toEqual(['Query.a']);
    expect(report.problems).toEqual([]);
  });

  it('fails a removal named in CHANGELOG.md that was never deprecated, and one named only under a released version', async () => {
    const named = await checkContract({ api: after, released: before, changelog: note('- `Query.a` removed (deprecated in 1.0.0)\n- `Query.c` removed (deprecated: not really)'), operations: useC });
    expect(named.problems).toEqual([
      expect.stringMatching(/^breaking change at `Query\.c`: .*never deprecated it\); breaks UsesC \(test\/queries\/c\.graphql\)$/),
      expect.stringMatching(/^operation UsesC \(test\/queries\/c\.graphql\) no longer validates: Cannot query field "c"/),
    ]);
    const old = `# Changelog\n\n## Unreleased\n\n## 1.0.0 (2026-12-07)\n\n- \`Query.a\` removed (deprecated in 0.9.0)\n`;
    const late = await checkContract({ api: after.replace('"B" b: Int', '"B" b: Int "C" c: Int'), released: before, changelog: old, operations: none });
    expect(late.problems).toEqual([expect.stringMatching(/^breaking change at `Query\.a`: .*not named with its deprecation/)]);
  });
});
