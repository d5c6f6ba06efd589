/**
 * The scripts (benchmarks, the load balancer harness, data loaders, the command line) use the
 * packages through their documented entries (the "exports" of their package.json), never a
 * subgraph's source files by path: what a package does not export is its own business.
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

/** Files that still reach into a subgraph's source: each must be removed from here when fixed. */
const KNOWN = ['scripts/bench-webhooks.ts'];

describe('scripts/', () => {
  const exportsOf = new Map<string, Set<string>>();
  for (const name of ['organisations', 'mandates', 'agreements', 'support']) {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'subgraphs', name, 'package.json'), 'utf8')) as { name: string; exports: Record<string, string> };
    exportsOf.set(pkg.name, new Set(Object.keys(pkg.exports).map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`))));
  }
  const offenders = new Map<string, string[]>();
  for (const file of tsFiles(join(repoRoot, 'scripts'))) {
    const bad = specifiers(readFileSync(file, 'utf8')).filter((s) => {
      if (/(^|\/)subgraphs\/[^/]+\/src\//.test(s)) return true;
      const pkg = /^@osr\/subgraph-[a-z]+/.exec(s)?.[0];
      return pkg !== undefined && !exportsOf.get(pkg)?.has(s);
    });
    if (bad.length) offenders.set(relative(repoRoot, file), bad);
  }

  it('import from subgraphs only through a package entry listed in its package.json exports', () => {
    expect([...offenders.keys()].filter((f) => !KNOWN.includes(f))).toEqual([]);
  });

  it('the list of files not yet moved to public interfaces is exact (remove a file once fixed)', () => {
    expect([...offenders.keys()].sort()).toEqual([...KNOWN].sort());
  });

  it('sees a path into a subgraph source and an entry a package does not export', () => {
    expect(specifiers("import { x } from '../subgraphs/mandates/src/repository.js';\nconst y = await import('@osr/subgraph-mandates/secret');")).toEqual([
      '../subgraphs/mandates/src/repository.js',
      '@osr/subgraph-mandates/secret',
    ]);
    expect(exportsOf.get('@osr/subgraph-mandates')?.has('@osr/subgraph-mandates/commands')).toBe(true);
    expect(exportsOf.get('@osr/subgraph-mandates')?.has('@osr/subgraph-mandates/secret')).toBe(false);
  });
});
