/**
 * Indexes, declared once per repository and created for the database in use:
 *
 * - MongoDB: `createIndex` for each declaration.
 * - FerretDB over PostgreSQL: the same `createIndex` (FerretDB keeps it in its metadata and
 *   builds a btree index that its pushed-down filters cannot use), and, when the PostgreSQL
 *   URL behind FerretDB is known, a GIN index on the same fields in PostgreSQL itself.
 *   FerretDB turns a top-level equality into `_jsonb->'field' @> value`; a GIN index on
 *   `(_jsonb->'field')` answers that (shared/docs/ferretdb.md, docs/data-access.md).
 *
 * This module is the only place that knows FerretDB's table layout. The PostgreSQL URL comes
 * from `connectDatabase(..., { ferretdbPostgresUrl })` or FERRETDB_POSTGRESQL_URL.
 */
import type { Collection, Document, MongoClient } from 'mongodb';
import pg from 'pg';

export interface IndexSpec {
  /** the index's name (the same on MongoDB and in FerretDB's metadata) */
  name: string;
  keys: Record<string, 1 | -1>;
  unique?: boolean;
  /**
   * The fields of the GIN index in PostgreSQL (FerretDB): those the code filters on by
   * equality. Default: every key. `[]` for an index that serves only sorts or ranges, which
   * FerretDB does not push down.
   */
  gin?: readonly string[];
}

/** What a collection is declared with: its indexes, and whether it is read by `_id`. */
export interface CollectionIndexes {
  indexes: readonly IndexSpec[];
  /**
   * Documents are looked up by `_id` on a request path. MongoDB has that index anyway;
   * FerretDB's own `_id_` index is a btree that its `@>` filter cannot use, so this adds a
   * GIN index on `_id` in PostgreSQL.
   */
  byId?: boolean;
}

/** Declares a database's (or module's) indexes by collection name, typed as such. */
export function declareIndexes<K extends string>(declared: Record<K, CollectionIndexes>): Record<K, CollectionIndexes> {
  return declared;
}

/** The PostgreSQL side of a FerretDB connection, per MongoClient. */
const companions = new WeakMap<MongoClient, FerretdbPostgres>();

/** Remembers that `client` talks to FerretDB over the PostgreSQL database at `url`. */
export function attachFerretdbPostgres(client: MongoClient, url: string): FerretdbPostgres {
  const companion = new FerretdbPostgres(url);
  companions.set(client, companion);
  return companion;
}

export function ferretdbPostgresOf(client: MongoClient): FerretdbPostgres | undefined {
  return companions.get(client);
}

/**
 * Creates a collection's declared indexes (idempotent: an index that exists is kept).
 * Call it from the repository's ensureIndexes(), once per collection.
 */
export async function ensureIndexes<T extends Document>(collection: Collection<T>, declared: CollectionIndexes): Promise<void> {
  for (const spec of declared.indexes) {
    await collection.createIndex(spec.keys, { name: spec.name, ...(spec.unique ? { unique: true } : {}) });
  }
  const companion = companions.get(collection.db.client);
  if (!companion) return;
  if (!(await companion.tableOf(collection.dbName, collection.collectionName))) {
    // FerretDB creates a collection's table on its first write or index.
    await collection.db.createCollection(collection.collectionName).catch((err: unknown) => {
      if ((err as { code?: number }).code !== 48) throw err; // 48: NamespaceExists
    });
  }
  await companion.ensureGinIndexes(collection.dbName, collection.collectionName, declared);
}

/** The GIN index name for one declaration: unique per table, at most 63 bytes. */
function ginIndexName(table: string, index: string): string {
  const name = `${table}_${index}_gin`;
  if (name.length <= 63) return name;
  // keep it unique when cut: a short hash of the whole name
  let h = 0x811c9dc5;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `${name.slice(0, 54)}_${h.toString(16).padStart(8, '0')}`;
}

/** Top-level fields FerretDB can push down as equality (dotted paths are kept too). */
function ginFields(keys: Record<string, 1 | -1>): string[] {
  return Object.keys(keys).filter((field) => !field.startsWith('$'));
}

export interface GinIndexRow {
  schema: string;
  table: string;
  collection: string;
  name: string;
  fields: string[];
  valid: boolean;
}

export class FerretdbPostgres {
  private pool: pg.Pool | null = null;

  constructor(readonly url: string) {}

  private connection(): pg.Pool {
    // Two connections are plenty: index creation runs at start, one statement at a time.
    if (!this.pool) {
      this.pool = new pg.Pool({ connectionString: this.url, max: 2, idleTimeoutMillis: 5_000, allowExitOnIdle: true });
      // An idle connection that the server closes (a restart) is dropped; the next query reconnects.
      this.pool.on('error', () => undefined);
    }
    return this.pool;
  }

  /** The PostgreSQL table FerretDB keeps a collection in (from FerretDB's own metadata). */
  async tableOf(database: string, collection: string): Promise<string | null> {
    const metadata = `"${database.replace(/"/g, '""')}"._ferretdb_database_metadata`;
    try {
      const { rows } = await this.connection().query<{ table: string }>(
        `SELECT _jsonb->>'table' AS table FROM ${metadata} WHERE _jsonb->>'_id' = $1`,
        [collection],
      );
      return rows[0]?.table ?? null;
    } catch (err) {
      if ((err as { code?: string }).code === '42P01') return null; // no metadata table: no database yet
      throw err;
    }
  }

  /** Creates the GIN indexes of a collection's declarations and checks they are valid. */
  async ensureGinIndexes(database: string, collection: string, declared: CollectionIndexes): Promise<void> {
    const table = await this.tableOf(database, collection);
    if (!table) {
      throw new Error(
        `FerretDB has no table for ${database}.${collection} in the PostgreSQL database at FERRETDB_POSTGRESQL_URL: ` +
          'does it point to the PostgreSQL server behind MONGODB_URI?',
      );
    }
    const schema = ident(database);
    const wanted: { name: string; fields: string[] }[] = declared.indexes.map((spec) => ({
      name: ginIndexName(table, spec.name),
      fields: spec.gin ? [...spec.gin] : ginFields(spec.keys),
    }));
    if (declared.byId) wanted.push({ name: ginIndexName(table, 'id_'), fields: ['_id'] });
    for (const index of wanted) {
      if (index.fields.length === 0) continue;
      const expressions = index.fields.map((field) => `(${fieldExpression(field)})`).join(', ');
      await this.connection().query(`CREATE INDEX IF NOT EXISTS ${ident(index.name)} ON ${schema}.${ident(table)} USING gin (${expressions})`);
    }
    const { rows } = await this.connection().query<{ name: string; valid: boolean }>(
      `SELECT c.relname AS name, i.indisvalid AS valid
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND t.relname = $2`,
      [database, table],
    );
    const present = new Map(rows.map((r) => [r.name, r.valid]));
    for (const index of wanted) {
      if (index.fields.length === 0) continue;
      if (present.get(index.name) !== true) throw new Error(`GIN index ${index.name} on ${database}.${collection} is missing or invalid`);
    }
  }

  /** Every GIN index in the databases named, with the collection it serves. */
  async listGinIndexes(databases: readonly string[]): Promise<GinIndexRow[]> {
    const { rows } = await this.connection().query<{ schema: string; table: string; name: string; def: string; valid: boolean }>(
      `SELECT n.nspname AS schema, t.relname AS table, c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AS valid
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am a ON a.oid = c.relam
        WHERE a.amname = 'gin' AND n.nspname = ANY($1)
        ORDER BY 1, 2, 3`,
      [databases],
    );
    const out: GinIndexRow[] = [];
    for (const row of rows) {
      const collection = (await this.collectionOf(row.schema, row.table)) ?? row.table;
      const fields = [...row.def.matchAll(/_jsonb -> '([^']+)'|_jsonb #> '\{([^}]+)\}'/g)].map((m) => m[1] ?? (m[2] ?? '').replace(/,/g, '.'));
      out.push({ schema: row.schema, table: row.table, collection, name: row.name, fields, valid: row.valid });
    }
    return out;
  }

  private async collectionOf(database: string, table: string): Promise<string | null> {
    const { rows } = await this.connection().query<{ name: string }>(
      `SELECT _jsonb->>'_id' AS name FROM ${ident(database)}._ferretdb_database_metadata WHERE _jsonb->>'table' = $1`,
      [table],
    );
    return rows[0]?.name ?? null;
  }

  /** The server's plan_cache_mode: the GIN indexes are used only with force_custom_plan. */
  async planCacheMode(): Promise<string> {
    const { rows } = await this.connection().query<{ plan_cache_mode: string }>('SHOW plan_cache_mode');
    return rows[0]?.plan_cache_mode ?? 'unknown';
  }

  /** EXPLAIN of the SQL FerretDB sends for `{ field: value }` (for tests and docs). */
  async explainEquality(database: string, collection: string, filter: Record<string, string | number | boolean>): Promise<string> {
    const table = await this.tableOf(database, collection);
    if (!table) throw new Error(`no table for ${database}.${collection}`);
    const clauses = Object.entries(filter).map(([field, value]) => `${fieldExpression(field)} @> ${literal(JSON.stringify(value))}::jsonb`);
    const { rows } = await this.connection().query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT _jsonb FROM ${ident(database)}.${ident(table)} WHERE ${clauses.join(' AND ')}`,
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  /** How often PostgreSQL used a declared index's GIN index so far (pg_stat_user_indexes). */
  async indexScans(database: string, collection: string, indexName: string): Promise<number> {
    const table = await this.tableOf(database, collection);
    if (!table) return 0;
    const { rows } = await this.connection().query<{ scans: string }>(
      'SELECT idx_scan AS scans FROM pg_stat_user_indexes WHERE schemaname = $1 AND relname = $2 AND indexrelname = $3',
      [database, table, ginIndexName(table, indexName === '_id' ? 'id_' : indexName)],
    );
    return Number(rows[0]?.scans ?? 0);
  }

  /** Refreshes PostgreSQL's statistics of a collection's table (after a bulk load). */
  async analyze(database: string, collection: string): Promise<void> {
    const table = await this.tableOf(database, collection);
    if (table) await this.connection().query(`ANALYZE ${ident(database)}.${ident(table)}`);
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end();
  }
}

/** `_jsonb->'field'`, or `_jsonb#>'{a,b}'` for a dotted path: the expression FerretDB filters on. */
function fieldExpression(field: string): string {
  if (!field.includes('.')) return `_jsonb -> ${literal(field)}`;
  return `_jsonb #> ${literal(`{${field.split('.').join(',')}}`)}`;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
