/**
 * Direct access to the mandates database for tests (which write around the repositories to
 * simulate faults and read what was stored) and for the benchmark loaders (which insert
 * national-sized data sets in bulk): the repositories, the raw collections by name (the read
 * model's too), the read model's journal and stored check rows, and the maintenance module,
 * in one object. Not for the subgraph's own code: the boundary test
 * (test/boundaries.test.ts) checks that no module of src/ imports it.
 */
import type { Db } from 'mongodb';
import type { Logger } from '@osr/common';
import { collectionsOf } from './collections.js';
import { MandatesMaintenance } from './maintenance.js';
import type { MandateReads } from './reads.js';
import { memoryReadModel, readModelOf, repositoriesFor } from '../open.js';
import { ServiceCatalogue } from '../service-catalogue.js';

export function directAccess(db: Db, logger?: Logger, readModel: 'memory' | 'database' = process.env['MANDATES_READ_MODEL'] === 'database' ? 'database' : 'memory') {
  // writes as the subgraph of the test run does (with `memory`, the facts and the journal too)
  const repositories = repositoriesFor(db, logger, readModel);
  const maintenance = new MandatesMaintenance(db, logger, repositories.hook);
  // with `database` a read model that no writer keeps: tests see that nothing is written to it
  const model = memoryReadModel(db, repositories, logger);
  const m = repositories.mandates;
  return {
    ...collectionsOf(db),
    ...model.c,
    db,
    /** the read model the writes keep */
    kind: readModel,
    repositories,
    maintenance,
    store: m.store,
    /** the memory read model (with `database`, one that no writer keeps) */
    readModel: model,
    journal: model.journal,
    checkRows: model.checkRows,
    webhookRepository: repositories.webhooks,
    /** indexes (the read model's with `memory`), and the reference services where missing (as every writer opens the store) */
    ensureIndexes: async () => {
      await repositories.ensureIndexes();
      await readModelOf(repositories)?.ensureIndexes();
      await new ServiceCatalogue(repositories.catalogue).putInPlace();
    },
    // through the reads in use (a test may put the read model in front)
    findMandates: (ids: readonly string[]) => repositories.reads.findMandates(ids),
    findMandatesOfSchools: (...args: Parameters<MandateReads['findMandatesOfSchools']>) => repositories.reads.findMandatesOfSchools(...args),
    findMandatesOfBoards: (...args: Parameters<MandateReads['findMandatesOfBoards']>) => repositories.reads.findMandatesOfBoards(...args),
    findChangedMandates: (...args: Parameters<MandateReads['findChangedMandates']>) => repositories.reads.findChangedMandates(...args),
    findServices: (codes?: readonly string[]) => repositories.catalogue.findServices(codes),
    findSystems: (ids: readonly string[]) => repositories.catalogue.findSystems(ids),
    findSuppliers: (oins: readonly string[]) => repositories.catalogue.findSuppliers(oins),
    findSystemsOfSuppliers: (oins: readonly string[]) => repositories.catalogue.findSystemsOfSuppliers(oins),
    findAanleverpuntenOfSchools: (brins: readonly string[]) => repositories.reads.aanleverpuntenOfSchools(brins),
    repairFacts: () => maintenance.repairFacts(),
    repairDerived: () => maintenance.repairDerived(),
    ensureSeriesKeys: () => maintenance.ensureSeriesKeys(),
    ensureFacts: () => maintenance.ensureFacts(),
    insertLoaded: (...args: Parameters<MandatesMaintenance['insertLoaded']>) => maintenance.insertLoaded(...args),
  };
}

export type DirectAccess = ReturnType<typeof directAccess>;
