/**
 * The scripts (benchmarks, the load balancer harness, data loaders, the command line) use the
 * packages through their documented entries (the "exports" of their package.json), never a
 * package's source files by path (a subgraph's, the gateway's, common's): what a package does
 * not export is its own business. Of the mandates package they use the public entries, not
 * the direct access the subgraph's tests write around the store with. And they name no
 * collection of a subgraph's database: only the package's repositories do (the mandates'
 * bulk load and reader, @osr/subgraph-mandates/bulk, and the repositories of the other
 * packages, e.g. `holdsData`, stand for them).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { AGREEMENTS_INDEXES } from '@osr/subgraph-agreements/repository';
import { collectionsOf } from '@osr/subgraph-mandates/repository';
import { ORGANISATIONS_INDEXES } from '@osr/subgraph-organisations/repository';
import { SUPPORT_INDEXES } from '@osr/subgraph-support/repository';
import { READ_MODEL_INDEXES } from '../subgraphs/mandates/src/read-model/collections.js';
import { repoRoot } from '../scripts/ferretdb.js';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const specifiers = (text: string) => [...text.matchAll(/(?:from\s+|import\s*\(\s*)'([^']+)'/g)].map((m) => m[1]!);

/** A package source path reached by a relative import: into a subgraph's, the gateway's or common's src/. */
const SOURCE_PATH = /(^|\/)(subgraphs\/[^/]+|gateway|common)\/src\//;

/** Entries a package exports for its own tests, not for the scripts. */
const NOT_FOR_SCRIPTS = new Set(['@osr/subgraph-mandates/direct']);

/** The mandates database's collections, by the two places that name them: the repositories' and the read model's. */
const MANDATES_COLLECTIONS = [
  ...Object.values(collectionsOf({ collection: (name: string) => ({ collectionName: name }) } as unknown as Db)).map((c) => (c as unknown as { collectionName: string }).collectionName),
  ...Object.keys(READ_MODEL_INDEXES),
];

/**
 * The collections a package's code opens by name (`.collection('…')`, typed or not): those
 * without an index of their own are in no list of the package's (an interrupted import's
 * pending writes).
 */
function openedBy(folder: string): string[] {
  const names = tsFiles(join(repoRoot, folder, 'src')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\.collection(?:<[^>]*>)?\(\s*'([a-z_]+)'/g)].map((m) => m[1]!),
  );
  return [...new Set(names)];
}

/** Every collection of the subgraphs' databases, per database: the packages' index lists, and what their code opens. */
const PACKAGE_COLLECTIONS: Record<string, string[]> = {
  mandates: MANDATES_COLLECTIONS,
  organisations: [...new Set([...Object.keys(ORGANISATIONS_INDEXES), ...openedBy('subgraphs/organisations')])],
  agreements: [...new Set([...Object.keys(AGREEMENTS_INDEXES), ...openedBy('subgraphs/agreements')])],
  support: [...new Set([...Object.keys(SUPPORT_INDEXES), ...openedBy('subgraphs/support')])],
};
const COLLECTIONS = new Set(Object.values(PACKAGE_COLLECTIONS).flat());

/**
 * Names that are also a subgraph's (a database name), a RIO field or a word the scripts use
 * otherwise (an option, a count): caught as a `.collection(...)` argument only.
 */
const AMBIGUOUS = new Set(['mandates', 'services', 'suppliers', 'systems', 'webhooks', 'boards', 'schools', 'samenwerkingsverbanden', 'agreements']);

/** Where a text names a subgraph's collection: as the argument of `.collection(...)`, or (unambiguous names) as any string literal. */
function collectionsNamed(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/\.collection(?:<[^>]*>)?\(\s*['"`]([^'"`]+)['"`]/g)) if (COLLECTIONS.has(m[1]!)) found.add(m[1]!);
  for (const m of text.matchAll(/['"`]([a-z_]+)['"`]/g)) if (COLLECTIONS.has(m[1]!) && !AMBIGUOUS.has(m[1]!)) found.add(m[1]!);
  return [...found].sort();
}

describe('scripts/', () => {
  const exportsOf = new Map<string, Set<string>>();
  for (const folder of ['subgraphs/organisations', 'subgraphs/mandates', 'subgraphs/agreements', 'subgraphs/support', 'gateway', 'common']) {
    const pkg = JSON.parse(readFileSync(join(repoRoot, folder, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string> };
    exportsOf.set(pkg.name, new Set(Object.keys(pkg.exports).map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`))));
  }
  const problems = (specifier: string) => {
    if (SOURCE_PATH.test(specifier)) return true;
    if (NOT_FOR_SCRIPTS.has(specifier)) return true;
    const pkg = /^@osr\/(subgraph-[a-z]+|gateway|common)(?=\/|$)/.exec(specifier)?.[0];
    return pkg !== undefined && !exportsOf.get(pkg)?.has(specifier);
  };
  const offenders = new Map<string, string[]>();
  const naming = new Map<string, string[]>();
  for (const file of tsFiles(join(repoRoot, 'scripts'))) {
    const text = readFileSync(file, 'utf8');
    const bad = specifiers(text).filter(problems);
    if (bad.length) offenders.set(relative(repoRoot, file), bad);
    const named = collectionsNamed(text);
    if (named.length) naming.set(relative(repoRoot, file), named);
  }

  it('import from the packages only through an entry listed in their package.json exports', () => {
    expect(Object.fromEntries(offenders)).toEqual({});
  });

  it('name no collection of a subgraph database (mandates, organisations, agreements, support)', () => {
    expect(Object.fromEntries(naming)).toEqual({});
  });

  it("knows each package's collections from the package, and the seed's marks (meta) are no package's", () => {
    expect(PACKAGE_COLLECTIONS['mandates']).toEqual(expect.arrayContaining(['mandates', 'mandate_history', 'aanleverpunten', 'mandate_check_rows', 'suppliers', 'systems']));
    expect(PACKAGE_COLLECTIONS['organisations']).toEqual(expect.arrayContaining(['boards', 'schools', 'samenwerkingsverbanden', 'organisation_changes', 'rio_imports', 'rio_pending_writes']));
    expect(PACKAGE_COLLECTIONS['agreements']).toEqual(expect.arrayContaining(['agreements', 'agreement_history', 'review_items', 'review_item_history', 'feed_state']));
    expect(PACKAGE_COLLECTIONS['support']).toEqual(expect.arrayContaining(['contacts', 'contact_history']));
    // scripts/seed-lib.ts names `meta` for its marks: it may, while no package uses that name
    expect(COLLECTIONS.has('meta')).toBe(false);
  });

  it('sees a collection named by a script, and not the subgraph name', () => {
    const text = [
      "await db.collection('mandate_check_rows').deleteMany({});",
      "const m = db.collection<{ id: string }>('mandates');",
      "const p = await x.find({ kind: 'OV' }, 'aanleverpunten');",
      "const db = await connectDatabase(uri, databaseName(prefix, 'mandates'));",
      "const points = 'aanleverpunten of the schools';",
      "const s = await dbs.organisations.db.collection<RefSchool>('schools').find({}).toArray();",
      "const DATA = { agreements: ['agreements', 'agreement_history', 'review_items'], support: ['contacts'] };",
      "await db.collection('agreements').countDocuments();",
      "const held = ['rio_imports'];",
    ].join('\n');
    expect(collectionsNamed(text)).toEqual(['aanleverpunten', 'agreement_history', 'agreements', 'contacts', 'mandate_check_rows', 'mandates', 'review_items', 'rio_imports', 'schools']);
    expect(collectionsNamed("databaseName(prefix, 'mandates'); wholeNumber('mandates', values.mandates); wholeNumber('schools', values.schools); { name: 'agreements', port }")).toEqual([]);
  });

  it('sees a path into a package source and an entry a package does not export', () => {
    const found = specifiers(
      "import { x } from '../subgraphs/mandates/src/repository.js';\nconst y = await import('@osr/subgraph-mandates/secret');\nimport { T } from '../../gateway/src/auth.js';",
    );
    expect(found).toEqual(['../subgraphs/mandates/src/repository.js', '@osr/subgraph-mandates/secret', '../../gateway/src/auth.js']);
    expect(found.map(problems)).toEqual([true, true, true]);
    // exported, but for the subgraph's own tests only
    expect(problems('@osr/subgraph-mandates/direct')).toBe(true);
    expect(['@osr/subgraph-mandates/commands', '@osr/gateway/auth', '@osr/common/cli', '@osr/common'].map(problems)).toEqual([false, false, false, false]);
  });
});
