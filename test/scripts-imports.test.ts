/**
 * The scripts (benchmarks, the load balancer harness, data loaders, the command line) use the
 * packages through their documented entries (the "exports" of their package.json), never a
 * package's source files by path (a subgraph's, the gateway's, common's): what a package does
 * not export is its own business.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
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

describe('scripts/', () => {
  const exportsOf = new Map<string, Set<string>>();
  for (const folder of ['subgraphs/organisations', 'subgraphs/mandates', 'subgraphs/agreements', 'subgraphs/support', 'gateway', 'common']) {
    const pkg = JSON.parse(readFileSync(join(repoRoot, folder, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string> };
    exportsOf.set(pkg.name, new Set(Object.keys(pkg.exports).map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`))));
  }
  const problems = (specifier: string) => {
    if (SOURCE_PATH.test(specifier)) return true;
    const pkg = /^@osr\/(subgraph-[a-z]+|gateway|common)(?=\/|$)/.exec(specifier)?.[0];
    return pkg !== undefined && !exportsOf.get(pkg)?.has(specifier);
  };
  const offenders = new Map<string, string[]>();
  for (const file of tsFiles(join(repoRoot, 'scripts'))) {
    const bad = specifiers(readFileSync(file, 'utf8')).filter(problems);
    if (bad.length) offenders.set(relative(repoRoot, file), bad);
  }

  it('import from the packages only through an entry listed in their package.json exports', () => {
    expect(Object.fromEntries(offenders)).toEqual({});
  });

  it('sees a path into a package source and an entry a package does not export', () => {
    const found = specifiers(
      "import { x } from '../subgraphs/mandates/src/repository.js';\nconst y = await import('@osr/subgraph-mandates/secret');\nimport { T } from '../../gateway/src/auth.js';",
    );
    expect(found).toEqual(['../subgraphs/mandates/src/repository.js', '@osr/subgraph-mandates/secret', '../../gateway/src/auth.js']);
    expect(found.map(problems)).toEqual([true, true, true]);
    expect(['@osr/subgraph-mandates/commands', '@osr/gateway/auth', '@osr/common/cli', '@osr/common'].map(problems)).toEqual([false, false, false, false]);
  });
});
