/**
 * npm run docs:indexes [-- --write]
 * Prints the table of every index the code creates (each subgraph's ensureIndexes() run on
 * fresh databases, read back with listIndexes()); with --write, replaces the table in
 * docs/operations.md, keeping the "why" of the indexes it already explains (fill in the new).
 * Database: MONGODB_URI (databases of a random prefix, dropped afterwards), else an
 * embedded FerretDB in a temporary folder.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { letPostgresIn, repoRoot, startFerretdb, type RunningDatabase } from './ferretdb.js';
import { documentedIndexes, liveIndexes, renderTable, rewriteDocument } from './indexes-lib.js';

const { values } = parseArgs({ options: { write: { type: 'boolean', default: false } }, strict: true });
const docPath = join(repoRoot, 'docs', 'operations.md');
let database: RunningDatabase | null = null;
let dataDir: string | null = null;
try {
  let uri = process.env['MONGODB_URI'] || '';
  if (!uri) {
    dataDir = mkdtempSync(join(tmpdir(), 'osr-indexes-'));
    letPostgresIn(dataDir);
    database = await startFerretdb({ dataDir, ephemeral: true, log: (line) => console.error(line) });
    uri = database.uri;
  }
  const live = await liveIndexes(uri, `ix${randomBytes(3).toString('hex')}_`);
  const doc = readFileSync(docPath, 'utf8');
  if (values.write) {
    const next = rewriteDocument(doc, live);
    writeFileSync(docPath, next);
    const unexplained = documentedIndexes(next).filter((r) => !r.why);
    console.error(`docs/operations.md: ${live.length} indexes written${unexplained.length ? `; say why for: ${unexplained.map((r) => `${r.collection}.${r.name}`).join(', ')}` : ''}`);
  } else {
    console.log(renderTable(live, documentedIndexes(doc)));
  }
} finally {
  await database?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
