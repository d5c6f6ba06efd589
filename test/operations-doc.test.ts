/**
 * docs/operations.md lists exactly the indexes the code creates: each subgraph's server is
 * built on fresh databases (running every ensureIndexes() it runs at start), listIndexes()
 * reads them back (name, keys, unique), and the table in the document must match, every row
 * explaining why.
 * Regenerate the table with `npx osr docs indexes --write`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../scripts/ferretdb.js';
import { documentedIndexes, liveIndexes, renderTable, rewriteDocument, type IndexRow } from '../scripts/indexes-lib.js';
import { databaseUri, freshPrefix } from './support/system.js';

const doc = readFileSync(join(repoRoot, 'docs', 'operations.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'generated' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}
const identity = (r: IndexRow) => `${r.database} ${r.collection} ${r.name} (${r.keys})${r.unique ? ' unique' : ''} GIN ${r.gin}`;

describe('docs/operations.md', () => {
  it('lists exactly the indexes the repositories create (name, keys, unique, GIN fields), each with why', async () => {
    const live = await liveIndexes(databaseUri(), freshPrefix());
    expect(live.length).toBeGreaterThan(10);
    // The GIN column is known only on FerretDB over PostgreSQL (the embedded test database).
    const documented = documentedIndexes(doc).map((r) => (live[0]?.gin === null ? { ...r, gin: null } : r));
    expect(documented.map(identity), 'run npx osr docs indexes --write and explain the new rows').toEqual(live.map(identity));
    expect(documented.filter((r) => r.why.trim() === '').map(identity), 'rows without a why').toEqual([]);
  });

  it('indexes are declared in one place (common/src/indexes.ts), and every declared one is created at start', async () => {
    const live = new Set((await liveIndexes(databaseUri(), freshPrefix())).map((r) => `${r.database}/${r.collection}/${r.name}`));
    const declared: string[] = [];
    const elsewhere: string[] = [];
    for (const subgraph of ['organisations', 'mandates', 'agreements', 'support']) {
      for (const file of sourceFiles(join(repoRoot, 'subgraphs', subgraph, 'src'))) {
        const text = readFileSync(file, 'utf8');
        if (/\.createIndex(es)?\(/.test(text)) elsewhere.push(file);
        for (const block of text.matchAll(/declareIndexes\(\{([\s\S]*?)\n\}\);/g)) {
          for (const coll of (block[1] ?? '').matchAll(/^ {2}(\w+): \{([\s\S]*?)(?=^ {2}\w+: \{|(?![\s\S]))/gm)) {
            for (const m of (coll[2] ?? '').matchAll(/name: '([^']+)'/g)) declared.push(`${subgraph}/${coll[1]}/${m[1]}`);
          }
        }
      }
    }
    expect(elsewhere, 'indexes created outside a declaration: declare them (declareIndexes + ensureIndexes)').toEqual([]);
    expect(declared.length).toBeGreaterThan(20);
    expect(declared.filter((n) => !live.has(n)), 'declared but not created at start').toEqual([]);
  });

  it('the generator rewrites only the table and keeps what the document says about each index', () => {
    const documented = documentedIndexes(doc);
    expect(rewriteDocument(doc, documented)).toBe(doc);
    const withNew: IndexRow = { database: 'support', collection: 'contacts', name: 'topics', keys: 'topics: 1', unique: false, gin: 'topics', why: '' };
    const table = renderTable([...documented, withNew], documented);
    expect(table).toContain('| support | `contacts` | `topics` | `topics: 1` | no | `topics` |  |');
    expect(table).toContain('| support | `contacts` | `value` | `value: 1` | no | `value` | `resolveContact(value)` and the no-overlap check |');
  });

  it('covers the growing collections, read and write concerns, backup and the one-off jobs', () => {
    for (const topic of ['mandate_history', 'organisation_changes', 'agreement_history', 'w=majority', 'mongodump', 'mongorestore', 'pg_dump', 'plan_cache_mode', 'osr rio import', 'osr oso migrate', 'APQ', 'rate-limit']) {
      expect(doc, topic).toContain(topic);
    }
  });
});
