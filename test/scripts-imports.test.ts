/**
 * The scripts (benchmarks, the load balancer harness, data loaders, the command line) use the
 * packages through their documented entries (the "exports" of their package.json), never a
 * package's source files by path (a subgraph's, the gateway's, common's): what a package does
 * not export is its own business. Of the mandates package they use the public entries: not
 * the direct access the subgraph's tests write around the store with, and no collection of its
 * database by name (its bulk load and reader entry, @osr/subgraph-mandates/bulk, stand for them).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { collectionsOf } from '@osr/subgraph-mandates/repository';
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
/** Names that are also the subgraph's (a database name) or a word the scripts use otherwise: caught as a `.collection(...)` argument only. */
const AMBIGUOUS = new Set(['mandates', 'services', 'suppliers', 'systems', 'webhooks']);

/** Where a text names a mandates collection: as the argument of `.collection(...)`, or (unambiguous names) as any string literal. */
function mandatesCollectionsNamed(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/\.collection(?:<[^>]*>)?\(\s*['"`]([^'"`]+)['"`]/g)) if (MANDATES_COLLECTIONS.includes(m[1]!)) found.add(m[1]!);
  for (const m of text.matchAll(/['"`]([a-z_]+)['"`]/g)) if (MANDATES_COLLECTIONS.includes(m[1]!) && !AMBIGUOUS.has(m[1]!)) found.add(m[1]!);
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
    const named = mandatesCollectionsNamed(text);
    if (named.length) naming.set(relative(repoRoot, file), named);
  }

  it('import from the packages only through an entry listed in their package.json exports', () => {
    expect(Object.fromEntries(offenders)).toEqual({});
  });

  it('name no collection of the mandates database', () => {
    expect(Object.fromEntries(naming)).toEqual({});
  });

  it('sees a mandates collection named by a script, and not the subgraph name', () => {
    expect(MANDATES_COLLECTIONS).toEqual(expect.arrayContaining(['mandates', 'mandate_history', 'aanleverpunten', 'mandate_check_rows', 'suppliers', 'systems']));
    const text = [
      "await db.collection('mandate_check_rows').deleteMany({});",
      "const m = db.collection<{ id: string }>('mandates');",
      "const p = await x.find({ kind: 'OV' }, 'aanleverpunten');",
      "const db = await connectDatabase(uri, databaseName(prefix, 'mandates'));",
      "const points = 'aanleverpunten of the schools';",
    ].join('\n');
    expect(mandatesCollectionsNamed(text)).toEqual(['aanleverpunten', 'mandate_check_rows', 'mandates']);
    expect(mandatesCollectionsNamed("databaseName(prefix, 'mandates'); wholeNumber('mandates', values.mandates)")).toEqual([]);
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
