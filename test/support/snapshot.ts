/**
 * A byte-for-byte picture of a system's databases: every collection of every subgraph
 * database, every document (sorted by _id) in canonical Extended JSON, and every index.
 */
import { BSON } from 'mongodb';
import { connectDatabase, databaseName, type SubgraphName } from '@osr/common';

const SUBGRAPHS: SubgraphName[] = ['organisations', 'mandates', 'agreements', 'support'];

export async function snapshotDatabases(uri: string, prefix: string): Promise<Record<string, string>> {
  const picture: Record<string, string> = {};
  for (const name of SUBGRAPHS) {
    const database = await connectDatabase(uri, databaseName(prefix, name));
    try {
      const collections = (await database.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
      for (const collection of collections) {
        const docs = await database.db.collection(collection).find({}).sort({ _id: 1 }).toArray();
        const indexes = await database.db.collection(collection).listIndexes().toArray();
        picture[`${name}.${collection}`] = BSON.EJSON.stringify({ docs, indexes: indexes.map((i) => ({ name: i.name, key: i.key, unique: i.unique ?? false })) }, { relaxed: false });
      }
    } finally {
      await database.close();
    }
  }
  return picture;
}
