/**
 * The mandates subgraph's module boundaries, read from its source: only the repositories
 * name collections; the raw collections, the maintenance module and the direct access for
 * tests stay out of the serving code; the embedded database's accelerator (src/read-model/)
 * is imported by no module outside it but the composition root, and the mandate store tells
 * it of writes only through the write hook; and no modules import each other in a circle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

interface Import {
  target: string;
  typeOnly: boolean;
}

/** The relative imports (and re-exports) of a module, as paths under src/. */
export function importsOf(file: string, text: string): Import[] {
  const found: Import[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^;'"]*?\s+from\s+)?'(\.{1,2}\/[^']+)'/g)) {
    found.push({ target: normalize(join(dirname(file), m[2]!)).replace(/\.js$/, '.ts'), typeOnly: m[1] !== undefined });
  }
  return found;
}

/** Groups of modules that import each other in a circle (Tarjan's strongly connected components). */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const files = sourceFiles();
const text = new Map(files.map((f) => [f, readFileSync(join(SRC, f), 'utf8')]));
const imports = new Map(files.map((f) => [f, importsOf(f, text.get(f)!)]));
const inFolder = (file: string, folder: string) => file.startsWith(`${folder}/`);
const importers = (target: string) => files.filter((f) => imports.get(f)!.some((i) => i.target === target));

describe('the mandates subgraph boundaries', () => {
  it('reads the source it checks', () => {
    expect(files).toContain('server.ts');
    expect(files).toContain(join('repositories', 'collections.ts'));
    expect(importsOf('a/b.ts', "import type { X } from '../c.js';\nexport { Y } from './d.js';")).toEqual([
      { target: 'c.ts', typeOnly: true },
      { target: join('a', 'd.ts'), typeOnly: false },
    ]);
  });

  it('only the repositories and the read model name a collection, each in one place', () => {
    const naming = files.filter((f) => /\.collection\s*(<[^>]*>)?\s*\(/.test(text.get(f)!));
    expect(naming.sort()).toEqual([join('read-model', 'collections.ts'), join('repositories', 'collections.ts')]);
  });

  it('the raw collections, the maintenance module and the direct access stay out of the serving code', () => {
    const outside = (target: string, allowed: (f: string) => boolean) => importers(join('repositories', target)).filter((f) => !allowed(f));
    expect(outside('collections.ts', (f) => inFolder(f, 'repositories') || inFolder(f, 'read-model'))).toEqual([]);
    expect(importers(join('read-model', 'collections.ts')).filter((f) => !inFolder(f, 'read-model'))).toEqual([]);
    // the data-set loaders (seed.ts, bulk.ts) write through maintenance; commands repair with it
    expect(outside('maintenance.ts', (f) => inFolder(f, 'commands') || f === 'seed.ts' || f === 'bulk.ts' || f === join('repositories', 'direct.ts'))).toEqual([]);
    expect(outside('direct.ts', () => false)).toEqual([]);
  });

  it('no module outside the accelerator imports from it, but the composition root', () => {
    // server.ts puts the reads in front; open.ts gives every writer of the store its write hook
    const root = new Set(['server.ts', 'open.ts']);
    const outside = files.filter((f) => !inFolder(f, 'read-model') && !root.has(f) && imports.get(f)!.some((i) => inFolder(i.target, 'read-model')));
    expect(outside).toEqual([]);
  });

  it('the mandate store tells what is derived from its writes only through the write hook', () => {
    const store = imports.get(join('repositories', 'mandate-store.ts'))!.map((i) => i.target);
    expect(store).toContain(join('repositories', 'write-hook.ts'));
    expect(store.filter((t) => inFolder(t, 'read-model'))).toEqual([]);
    // the write hook's interface stands on the documents alone
    expect(imports.get(join('repositories', 'write-hook.ts'))!.map((i) => i.target)).toEqual(['documents.ts']);
    // and nothing but the read model implements it
    const implementing = files.filter((f) => /implements\s+MandateWriteHook\b/.test(text.get(f)!));
    expect(implementing.length).toBeGreaterThan(0);
    expect(implementing.filter((f) => !inFolder(f, 'read-model'))).toEqual([]);
  });

  it('the repositories import nothing from the domain, the resolvers, the server or the read model', () => {
    // documents, and what a repository stores for another module (the series keys, the year
    // checks' key, the webhook outbox and its events), are what they may import from outside their folder
    const allowed = new Set(['documents.ts', 'series-keys.ts', 'year-checks.ts', 'school-year.ts', join('webhooks', 'events.ts'), join('webhooks', 'secrets.ts')]);
    // (direct.ts, the tests' and loaders' access, opens the store as the commands do)
    const upward = files
      .filter((f) => inFolder(f, 'repositories') && f !== join('repositories', 'direct.ts'))
      .flatMap((f) => imports.get(f)!.filter((i) => !inFolder(i.target, 'repositories') && !allowed.has(i.target)).map((i) => `${f} -> ${i.target}`));
    expect(upward).toEqual([]);
  });

  it('the embedded database\'s accelerator (journal, facts, kept results and rows) lives in the read model only', () => {
    const machinery = /\b(ChangeJournal|ResultCache|KeptCheckRows|MandateFacts|MandateDelta|foldCheckRows|computeCheckRows)\b/;
    const outside = files.filter((f) => !inFolder(f, 'read-model') && machinery.test(text.get(f)!.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')));
    expect(outside).toEqual([]);
  });

  it('no modules import each other in a circle, type imports included', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['a']], ['c', ['a']]]))).toEqual([['a', 'b']]);
    expect(cycles(new Map(files.map((f) => [f, imports.get(f)!.map((i) => i.target)])))).toEqual([]);
  });
});
