import { MongoClient, type Collection, type Db, type Document, type Filter, type MongoClientOptions, type OptionalUnlessRequiredId, type WithoutId } from 'mongodb';
import { attachFerretdbPostgres } from './indexes.js';

export type SubgraphName = 'organisations' | 'mandates' | 'agreements' | 'support';

/** One database per subgraph; a subgraph never opens another subgraph's database. */
export function databaseName(prefix: string, subgraph: SubgraphName): string {
  return `${prefix}${subgraph}`;
}

/** What collectionsHolding asks of a collection, whatever its documents' type. */
export interface HoldingCollection {
  readonly collectionName: string;
  findOne(filter: Record<string, never>, options: { projection: { _id: 1 } }): Promise<unknown>;
}

/**
 * The names of those of these collections that hold a document, in the order given: one
 * findOne each, never a count (FerretDB reads every row to count). How a repository says
 * which of its data a store holds, for a loader that must not write into a store holding
 * other data.
 */
export async function collectionsHolding(collections: readonly HoldingCollection[]): Promise<string[]> {
  const held: string[] = [];
  for (const collection of collections) if (await collection.findOne({}, { projection: { _id: 1 } })) held.push(collection.collectionName);
  return held;
}

export interface Database {
  client: MongoClient;
  db: Db;
  /** True when the server answers a ping within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Database round trips of this process, counted with the driver's command monitoring
 * (one command = one round trip, getMore included). Off by default (monitoring has a cost);
 * the benchmark and the round-trip test turn it on before connecting.
 */
export const databaseCommands = {
  enabled: false,
  count: 0,
  /** Commands per command name (find, getMore, insert, ...). */
  byName: new Map<string, number>(),
  /** Commands per database name. */
  byDatabase: new Map<string, number>(),
};

/** Counts every database command of clients connected from now on. */
export function countDatabaseCommands(): void {
  databaseCommands.enabled = true;
}

export interface ConnectOptions extends MongoClientOptions {
  /**
   * The PostgreSQL database behind FerretDB, when the server is FerretDB over PostgreSQL:
   * the declared indexes then also get the GIN indexes FerretDB's filters use (indexes.ts).
   * Defaults to FERRETDB_POSTGRESQL_URL; empty or unset on MongoDB.
   */
  ferretdbPostgresUrl?: string | undefined;
}

export async function connectDatabase(uri: string, name: string, connectOptions: ConnectOptions = {}): Promise<Database> {
  const { ferretdbPostgresUrl = process.env['FERRETDB_POSTGRESQL_URL'], ...options } = connectOptions;
  const client = new MongoClient(uri, {
    // Fail fast rather than hang: readiness reports the outage, the request gets an error.
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    maxPoolSize: 20,
    ...(databaseCommands.enabled ? { monitorCommands: true } : {}),
    ...options,
  });
  if (databaseCommands.enabled) {
    client.on('commandStarted', (event) => {
      databaseCommands.count++;
      databaseCommands.byName.set(event.commandName, (databaseCommands.byName.get(event.commandName) ?? 0) + 1);
      databaseCommands.byDatabase.set(event.databaseName, (databaseCommands.byDatabase.get(event.databaseName) ?? 0) + 1);
    });
  }
  await client.connect();
  const companion = ferretdbPostgresUrl ? attachFerretdbPostgres(client, ferretdbPostgresUrl) : null;
  const db = client.db(name);
  return {
    client,
    db,
    async ping(timeoutMs = 2_000) {
      try {
        await db.command({ ping: 1 }, { timeoutMS: timeoutMs });
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await client.close();
      await companion?.close();
    },
  };
}

/** A document that records that a data set was loaded once. */
export interface MetaDocument {
  _id: string;
  at: Date;
  detail?: string;
}

/**
 * Runs an upsert again when a concurrent upsert of the same key inserted first (E11000):
 * the second attempt finds the document and updates it. MongoDB retries such upserts on the
 * server; FerretDB over PostgreSQL does not, so two writers of one key would otherwise fail.
 */
export async function retryUpsertRace<T>(write: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= attempts || (err as { code?: number }).code !== 11000) throw err;
    }
  }
}

/**
 * Writes documents that are new in the usual case, replacing any whose key a unique index
 * already holds: one unordered insert of the batch, then a replacement (upsert) for each
 * document refused as a duplicate. The same end state as a replacing upsert of every
 * document, but FerretDB answers an insert of a batch in one statement where it runs each
 * upsert as its own query and write. `filterOf` must name the unique index's fields.
 */
export async function insertOrReplace<T extends Document>(collection: Collection<T>, docs: readonly T[], filterOf: (doc: T) => Filter<T>): Promise<void> {
  if (!docs.length) return;
  try {
    await collection.insertMany(docs.map((d) => ({ ...d })) as OptionalUnlessRequiredId<T>[], { ordered: false });
  } catch (err) {
    const refused = duplicateKeyIndexes(err);
    if (!refused) throw err;
    for (const index of refused) {
      const doc = docs[index]!;
      await retryUpsertRace(() => collection.replaceOne(filterOf(doc), { ...doc } as WithoutId<T>, { upsert: true }));
    }
  }
}

/** A bulk insert's error in which every failed document was a duplicate key. */
export function duplicateKeysOnly(err: unknown): boolean {
  return duplicateKeyIndexes(err) !== null;
}

/** The positions in the batch of the documents a bulk insert refused, when each was a duplicate key; else null. */
function duplicateKeyIndexes(err: unknown): number[] | null {
  type WriteError = { index: number; code?: number; err?: { code?: number } };
  const writeErrors = (err as { writeErrors?: WriteError | WriteError[] }).writeErrors;
  const list = writeErrors ? (Array.isArray(writeErrors) ? writeErrors : [writeErrors]) : null;
  return list !== null && list.every((w) => (w.code ?? w.err?.code) === 11000) ? list.map((w) => w.index) : null;
}
