/**
 * The catalogue: services and their history, suppliers, their systems and the supplier
 * catalogue's history. Every read is an equality on an indexed field or a keyset page on one; uniqueness lives in the unique indexes (a second insert of a key is refused,
 * and answered here as `false`). Updates carry the version read, so that of two concurrent
 * changes one is refused.
 */
import { MongoServerError, type Collection, type UpdateFilter } from 'mongodb';
import { ensureIndexes, findEach } from '@osr/common';
import type { CatalogueChangeDocument, ServiceChangeDocument, ServiceCode, ServiceDocument, SupplierDocument, SystemDocument } from '../documents.js';
import { MANDATES_INDEXES, type MandatesCollections } from './collections.js';

const NO_ID = { projection: { _id: 0 } } as const;
/** A batch's answer in one round trip (the driver's first batch holds 101 documents otherwise). */
const IN_ONE_BATCH = { projection: { _id: 0 }, batchSize: 100_000 } as const;

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The filter that matches a document only at the version it was read at (old ones have none). */
function atVersion(version: number | undefined): { version: number | { $exists: false } } {
  return version === undefined ? { version: { $exists: false } } : { version };
}

export class CatalogueRepository {
  private readonly services: Collection<ServiceDocument>;
  private readonly serviceHistory: Collection<ServiceChangeDocument>;
  private readonly suppliers: Collection<SupplierDocument>;
  private readonly systems: Collection<SystemDocument>;
  private readonly history: Collection<CatalogueChangeDocument>;

  constructor(collections: MandatesCollections) {
    this.services = collections.services;
    this.serviceHistory = collections.serviceHistory;
    this.suppliers = collections.suppliers;
    this.systems = collections.systems;
    this.history = collections.catalogueHistory;
  }

  async ensureIndexes(): Promise<void> {
    await ensureIndexes(this.services, MANDATES_INDEXES.services);
    await ensureIndexes(this.suppliers, MANDATES_INDEXES.suppliers);
    await ensureIndexes(this.systems, MANDATES_INDEXES.systems);
    await ensureIndexes(this.history, MANDATES_INDEXES.catalogue_history);
    await ensureIndexes(this.serviceHistory, MANDATES_INDEXES.service_history);
  }

  // --- services

  /** The services asked for (all of them without codes), by code. */
  async findServices(codes?: readonly string[]): Promise<ServiceDocument[]> {
    const found = codes
      ? await findEach(codes, (code) => this.services.find({ code: code as ServiceCode }, IN_ONE_BATCH).toArray())
      : await this.services.find({}, IN_ONE_BATCH).toArray();
    return found.sort((a, b) => compare(a.code, b.code));
  }

  async service(code: ServiceCode): Promise<ServiceDocument | null> {
    return this.services.findOne({ code }, NO_ID);
  }

  /** Adds each service whose code is missing, leaves the others as they are; the indexes of those added. */
  async addMissingServices(docs: readonly ServiceDocument[]): Promise<number[]> {
    const result = await this.services.bulkWrite(
      docs.map((doc) => ({ updateOne: { filter: { code: doc.code }, update: { $setOnInsert: doc }, upsert: true } })),
      { ordered: false },
    );
    return Object.keys(result.upsertedIds).map(Number);
  }

  /** false: a service with this code is there already. */
  insertService(doc: ServiceDocument): Promise<boolean> {
    return insertUnique(this.services, doc);
  }

  /** false: the service is no longer at `version` (changed meanwhile). */
  async updateService(code: ServiceCode, version: number | undefined, set: UpdateFilter<ServiceDocument>['$set']): Promise<boolean> {
    const { matchedCount } = await this.services.updateOne({ code, ...atVersion(version) }, { $set: set });
    return matchedCount === 1;
  }

  async recordServiceChange(change: ServiceChangeDocument): Promise<void> {
    await this.serviceHistory.insertOne({ ...change });
  }

  /** A service's changes, oldest first. */
  serviceHistoryOf(code: ServiceCode): Promise<ServiceChangeDocument[]> {
    return this.serviceHistory.find({ code }, NO_ID).sort({ at: 1 }).toArray();
  }

  // --- suppliers and systems

  supplier(oin: string): Promise<SupplierDocument | null> {
    return this.suppliers.findOne({ oin }, NO_ID);
  }

  findSuppliers(oins: readonly string[]): Promise<SupplierDocument[]> {
    return findEach(oins, (oin) => this.suppliers.find({ oin }, IN_ONE_BATCH).toArray());
  }

  /** false: a supplier with this OIN is there already. */
  insertSupplier(doc: SupplierDocument): Promise<boolean> {
    return insertUnique(this.suppliers, doc);
  }

  /** false: the supplier is no longer at `version`. */
  async updateSupplier(oin: string, version: number | undefined, set: UpdateFilter<SupplierDocument>['$set']): Promise<boolean> {
    const { matchedCount } = await this.suppliers.updateOne({ oin, ...atVersion(version) }, { $set: set });
    return matchedCount === 1;
  }

  /** A page of suppliers by OIN after `afterOin` (keyset on the unique index). */
  supplierPage(afterOin: string | null, limit: number): Promise<SupplierDocument[]> {
    return this.suppliers
      .find(afterOin === null ? {} : { oin: { $gt: afterOin } }, NO_ID)
      .sort({ oin: 1 })
      .limit(limit)
      .toArray();
  }

  system(id: string): Promise<SystemDocument | null> {
    return this.systems.findOne({ id }, NO_ID);
  }

  findSystems(ids: readonly string[]): Promise<SystemDocument[]> {
    return findEach(ids, (id) => this.systems.find({ id }, IN_ONE_BATCH).toArray());
  }

  /** Each supplier's systems by name. */
  findSystemsOfSuppliers(oins: readonly string[]): Promise<SystemDocument[]> {
    return findEach(oins, async (supplierOin) => (await this.systems.find({ supplierOin }, IN_ONE_BATCH).toArray()).sort((a, b) => compare(a.name, b.name)));
  }

  /** A supplier's systems (for the name check: a supplier has a handful). */
  systemsOfSupplier(oin: string): Promise<SystemDocument[]> {
    return this.systems.find({ supplierOin: oin }, NO_ID).toArray();
  }

  /** Each system's supplier (the catalogue holds some hundreds of systems). */
  async supplierOfSystems(): Promise<Map<string, string>> {
    const systems = await this.systems.find({}, { projection: { _id: 0, id: 1, supplierOin: 1 } }).toArray();
    return new Map(systems.map((s) => [s.id, s.supplierOin]));
  }

  /** false: a system with this id is there already. */
  insertSystem(doc: SystemDocument): Promise<boolean> {
    return insertUnique(this.systems, doc);
  }

  /** false: the system is no longer at `version`. */
  async updateSystem(id: string, version: number | undefined, set: UpdateFilter<SystemDocument>['$set']): Promise<boolean> {
    const { matchedCount } = await this.systems.updateOne({ id, ...atVersion(version) }, { $set: set });
    return matchedCount === 1;
  }

  async recordCatalogueChange(change: CatalogueChangeDocument): Promise<void> {
    await this.history.insertOne({ ...change });
  }

  /** A supplier's changes and those of its systems, oldest first. */
  catalogueHistoryOf(oin: string): Promise<CatalogueChangeDocument[]> {
    return this.history.find({ supplierOin: oin }, NO_ID).sort({ at: 1 }).toArray();
  }
}

/** Inserts a copy (the driver would add `_id` to the caller's object); false on a duplicate key. */
async function insertUnique<T extends object>(collection: Collection<T>, doc: T): Promise<boolean> {
  try {
    await collection.insertOne({ ...doc } as Parameters<Collection<T>['insertOne']>[0]);
    return true;
  } catch (err) {
    if (err instanceof MongoServerError && err.code === 11000) return false;
    throw err;
  }
}
