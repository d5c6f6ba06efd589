/**
 * docs/operations.md lists exactly the indexes the code creates: each subgraph's server is
 * built on fresh databases (running every ensureIndexes() it runs at start), listIndexes()
 * reads them back (name, keys, unique), and the table in the document must match, every row
 * explaining why.
 * Regenerate the table with `npm run docs:indexes -- --write`.
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
const identity = (r: IndexRow) => `${r.database} ${r.collection} ${r.name} (${r.keys})${r.unique ? ' unique' : ''}`;

describe('docs/operations.md', () => {
  it('lists exactly the indexes the repositories create (name, keys, unique), each with why', async () => {
    const live = await liveIndexes(databaseUri(), freshPrefix());
    expect(live.length).toBeGreaterThan(10);
    const documented = documentedIndexes(doc);
    expect(documented.map(identity), 'run npm run docs:indexes -- --write and explain the new rows').toEqual(live.map(identity));
    expect(documented.filter((r) => r.why.trim() === '').map(identity), 'rows without a why').toEqual([]);
  });

  it('every index named in a createIndex call of the subgraphs is among those created at start', async () => {
    const live = new Set((await liveIndexes(databaseUri(), freshPrefix())).map((r) => `${r.database}/${r.name}`));
    const named: string[] = [];
    for (const subgraph of ['organisations', 'mandates', 'agreements', 'support']) {
      for (const file of sourceFiles(join(repoRoot, 'subgraphs', subgraph, 'src'))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/createIndex\(\s*\{[^}]*\}\s*,\s*\{[^}]*name:\s*'([^']+)'/g)) named.push(`${subgraph}/${m[1]}`);
      }
    }
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((n) => !live.has(n)), 'created only outside the start: add them to the start or to the generator').toEqual([]);
  });

  it('the generator rewrites only the table and keeps what the document says about each index', () => {
    const documented = documentedIndexes(doc);
    expect(rewriteDocument(doc, documented)).toBe(doc);
    const withNew: IndexRow = { database: 'support', collection: 'contacts', name: 'topics', keys: 'topics: 1', unique: false, why: '' };
    const table = renderTable([...documented, withNew], documented);
    expect(table).toContain('| support | `contacts` | `topics` | `topics: 1` | no |  |');
    expect(table).toContain('| support | `contacts` | `value` | `value: 1` | no | `resolveContact(value)` and the no-overlap check |');
  });

  it('covers the growing collections, read and write concerns, backup and the one-off jobs', () => {
    for (const topic of ['mandate_history', 'organisation_changes', 'agreement_history', 'w=majority', 'mongodump', 'mongorestore', '.sqlite', 'npm run rio:import', 'npm run oso:migrate', 'APQ', 'rate-limit']) {
      expect(doc, topic).toContain(topic);
    }
  });
});
