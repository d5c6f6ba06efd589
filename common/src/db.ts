import { MongoClient, type Db, type MongoClientOptions } from 'mongodb';

export type SubgraphName = 'organisations' | 'mandates' | 'agreements' | 'support';

/** One database per subgraph; a subgraph never opens another subgraph's database. */
export function databaseName(prefix: string, subgraph: SubgraphName): string {
  return `${prefix}${subgraph}`;
}

export interface Database {
  client: MongoClient;
  db: Db;
  /** True when the server answers a ping within the timeout. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function connectDatabase(
  uri: string,
  name: string,
  options: MongoClientOptions = {},
): Promise<Database> {
  const client = new MongoClient(uri, {
    // Fail fast rather than hang: readiness reports the outage, the request gets an error.
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    maxPoolSize: 20,
    ...options,
  });
  await client.connect();
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
    },
  };
}

/** A document that records that a data set was loaded once. */
export interface MetaDocument {
  _id: string;
  at: Date;
  detail?: string;
}
