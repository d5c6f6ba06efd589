/**
 * The indexes the code creates, read back from a live database: each subgraph's server is
 * built (not listening) on fresh databases, which runs every ensureIndexes() it runs at
 * start, then listIndexes() per collection. Used by `osr docs indexes` (prints or
 * rewrites the table in docs/operations.md) and by test/operations-doc.test.ts (the
 * document must list exactly these).
 */
import { connectDatabase, createLogger, databaseName, ferretdbPostgresOf, type SubgraphDeps, type SubgraphName, type SubgraphServer } from '@osr/common';
import { createAgreementsServer } from '@osr/subgraph-agreements';
import { createMandatesServer } from '@osr/subgraph-mandates';
import { createOrganisationsServer } from '@osr/subgraph-organisations';
import { createSupportServer } from '@osr/subgraph-support';

export interface IndexRow {
  database: SubgraphName;
  collection: string;
  name: string;
  /** e.g. `slotKey: 1, slotSeq: 1` */
  keys: string;
  unique: boolean;
  /**
   * On FerretDB over PostgreSQL: the fields of its GIN index in PostgreSQL (`brin`,
   * `boardNummer, brin`), `-` when it has none (sorts and ranges only); null when unknown
   * (not FerretDB over PostgreSQL).
   */
  gin: string | null;
  /** why the index exists (from the document; empty when new) */
  why: string;
}

const builders: Record<SubgraphName, (deps: SubgraphDeps) => Promise<SubgraphServer>> = {
  organisations: createOrganisationsServer,
  mandates: createMandatesServer,
  agreements: createAgreementsServer,
  support: createSupportServer,
};

/** Every secondary index (not `_id_`) the subgraphs create at start, sorted. */
export async function liveIndexes(uri: string, prefix: string): Promise<IndexRow[]> {
  const rows: IndexRow[] = [];
  for (const database of Object.keys(builders) as SubgraphName[]) {
    const connection = await connectDatabase(uri, databaseName(prefix, database));
    try {
      // Building the server creates its indexes, as at every start; nothing listens.
      const server = await builders[database]({ database: connection, logger: createLogger('indexes', 'silent'), identitySecret: 'i'.repeat(32), peers: {} });
      await server.stop();
      const companion = ferretdbPostgresOf(connection.client);
      const gin = new Map<string, string>();
      if (companion) {
        for (const row of await companion.listGinIndexes([databaseName(prefix, database)])) {
          const name = row.name.slice(row.table.length + 1, -'_gin'.length);
          gin.set(`${row.collection}/${name === 'id_' ? '_id_' : name}`, row.fields.join(', '));
        }
      }
      const collections = await connection.db.listCollections({}, { nameOnly: true }).toArray();
      for (const { name: collection } of collections) {
        for (const index of await connection.db.collection(collection).listIndexes().toArray()) {
          const name = String(index['name']);
          const ginFields = companion ? (gin.get(`${collection}/${name}`) ?? '-') : null;
          // `_id_` is every collection's; listed only where PostgreSQL has a GIN index for it.
          if (name === '_id_' && (ginFields === null || ginFields === '-')) continue;
          const keys = Object.entries(index['key'] as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`).join(', ');
          rows.push({ database, collection, name, keys, unique: index['unique'] === true, gin: ginFields, why: '' });
        }
      }
    } finally {
      await connection.db.dropDatabase().catch(() => undefined);
      await connection.close();
    }
  }
  return sortRows(rows);
}

function sortRows(rows: IndexRow[]): IndexRow[] {
  const order: SubgraphName[] = ['organisations', 'mandates', 'agreements', 'support'];
  return [...rows].sort(
    (a, b) => order.indexOf(a.database) - order.indexOf(b.database) || a.collection.localeCompare(b.collection) || a.name.localeCompare(b.name),
  );
}

export const TABLE_START = '<!-- indexes:start (npx osr docs indexes --write) -->';
export const TABLE_END = '<!-- indexes:end -->';
const HEADER = ['| database | collection | index | keys | unique | GIN in PostgreSQL (FerretDB) | why |', '|---|---|---|---|---|---|---|'];

/** The index rows of the table in a document (between the markers). */
export function documentedIndexes(markdown: string): IndexRow[] {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('the document has no index table between the markers');
  const rows: IndexRow[] = [];
  for (const line of markdown.slice(start + TABLE_START.length, end).split('\n')) {
    if (!line.startsWith('|') || line.startsWith('|---') || line === HEADER[0]) continue;
    const cells = line.slice(1, -1).split(' | ').map((c) => c.trim());
    if (cells.length !== 7) throw new Error(`a table row without 7 cells: ${line}`);
    const [database, collection, name, keys, unique, gin, why] = cells.map((c, i) => (i >= 1 && i <= 5 ? c.replace(/^`|`$/g, '') : c)) as [string, string, string, string, string, string, string];
    rows.push({ database: database as SubgraphName, collection, name, keys, unique: unique === 'yes', gin, why });
  }
  return rows;
}

/** The table for the live indexes, keeping the "why" the document gives for known ones. */
export function renderTable(live: IndexRow[], documented: IndexRow[] = []): string {
  const why = new Map(documented.map((r) => [`${r.database}/${r.collection}/${r.name}`, r.why]));
  const lines = sortRows(live).map(
    (r) =>
      `| ${r.database} | \`${r.collection}\` | \`${r.name}\` | \`${r.keys}\` | ${r.unique ? 'yes' : 'no'} | ${r.gin === '-' || r.gin === null ? '-' : `\`${r.gin}\``} | ${why.get(`${r.database}/${r.collection}/${r.name}`) ?? ''} |`,
  );
  return [TABLE_START, ...HEADER, ...lines, TABLE_END].join('\n');
}

/** The document with its index table replaced by the live one. */
export function rewriteDocument(markdown: string, live: IndexRow[]): string {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('the document has no index table between the markers');
  return markdown.slice(0, start) + renderTable(live, documentedIndexes(markdown)) + markdown.slice(end + TABLE_END.length);
}
