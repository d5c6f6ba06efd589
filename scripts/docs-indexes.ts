/**
 * osr docs indexes [--write] [--json]   (npm run docs:indexes)
 *
 * Prints the table of every index the code creates (each subgraph's ensureIndexes() run on
 * fresh databases, read back with listIndexes()); with --write, replaces the table in
 * docs/operations.md, keeping the "why" of the indexes it already explains (fill in the new).
 * Database: MONGODB_URI (databases of a random prefix, dropped afterwards), else an
 * embedded FerretDB in a temporary folder, never the data folder's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { messageOf, type CommandSpec } from '@osr/common/cli';
import { letPostgresIn, repoRoot, startFerretdb, type RunningDatabase } from './ferretdb.js';
import { documentedIndexes, liveIndexes, renderTable, rewriteDocument } from './indexes-lib.js';

export const docsIndexes: CommandSpec = {
  group: 'docs',
  name: 'indexes',
  alias: 'docs:indexes',
  summary: 'print (or --write into docs/operations.md) the table of every index the code creates',
  options: [{ flags: '--write', description: 'replace the table in docs/operations.md, keeping the reasons it gives' }],
  async run(_args, values, { out, env }) {
    const docPath = join(repoRoot, 'docs', 'operations.md');
    let database: RunningDatabase | null = null;
    let dataDir: string | null = null;
    try {
      let uri = env.mongodbUri ?? '';
      if (!uri) {
        dataDir = mkdtempSync(join(tmpdir(), 'osr-indexes-'));
        letPostgresIn(dataDir);
        database = await startFerretdb({ dataDir, ephemeral: true, log: (line) => console.error(line) });
        uri = database.uri;
      }
      const live = await liveIndexes(uri, `ix${randomBytes(3).toString('hex')}_`);
      const doc = readFileSync(docPath, 'utf8');
      if (values['write'] === true) {
        const next = rewriteDocument(doc, live);
        writeFileSync(docPath, next);
        const unexplained = documentedIndexes(next).filter((r) => !r.why).map((r) => `${r.collection}.${r.name}`);
        const summary = `docs/operations.md: ${live.length} indexes written${unexplained.length ? `; say why for: ${unexplained.join(', ')}` : ''}`;
        out.finish(0, summary, { indexes: live, unexplained }, [], { outcome: 'table written' });
      } else {
        out.finish(0, `${live.length} indexes`, { indexes: live }, [renderTable(live, documentedIndexes(doc))], { outcome: 'table printed' });
      }
    } catch (err) {
      out.fail(messageOf(err));
    } finally {
      await database?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  },
};
