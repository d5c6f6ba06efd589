/**
 * Direct access to the mandates database for tests (which write around the repositories to
 * simulate faults and read what was stored) and for the benchmark loaders (which insert
 * national-sized data sets in bulk): the repositories, the raw collections by name, and the
 * maintenance module, in one object. Not for the subgraph's own code: the boundary test
 * (test/boundaries.test.ts) checks that no module of src/ imports it.
 */
import type { Db } from 'mongodb';
import type { Logger } from '@osr/common';
import { collectionsOf } from './collections.js';
import { Repositories } from './index.js';
import { MandatesMaintenance } from './maintenance.js';

export function directAccess(db: Db, logger?: Logger) {
  const repositories = new Repositories(db, logger);
  const maintenance = new MandatesMaintenance(db, logger);
  const m = repositories.mandates;
  return {
    ...collectionsOf(db),
    db,
    repositories,
    maintenance,
    store: m.store,
    journal: m.journal,
    checkRows: m.checkRows,
    webhookRepository: repositories.webhooks,
    ensureIndexes: () => repositories.ensureIndexes(),
    findMandates: (ids: readonly string[]) => m.findMandates(ids),
    findMandatesOfSchools: (...args: Parameters<typeof m.findMandatesOfSchools>) => m.findMandatesOfSchools(...args),
    findMandatesOfBoards: (...args: Parameters<typeof m.findMandatesOfBoards>) => m.findMandatesOfBoards(...args),
    findChangedMandates: (...args: Parameters<typeof m.findChangedMandates>) => m.findChangedMandates(...args),
    findServices: (codes?: readonly string[]) => repositories.catalogue.findServices(codes),
    findSystems: (ids: readonly string[]) => repositories.catalogue.findSystems(ids),
    findSuppliers: (oins: readonly string[]) => repositories.catalogue.findSuppliers(oins),
    findSystemsOfSuppliers: (oins: readonly string[]) => repositories.catalogue.findSystemsOfSuppliers(oins),
    findAanleverpuntenOfSchools: (brins: readonly string[]) => repositories.aanleverpunten.ofSchools(brins),
    repairFacts: () => maintenance.repairFacts(),
    repairDerived: () => maintenance.repairDerived(),
    ensureSeriesKeys: () => maintenance.ensureSeriesKeys(),
    ensureFacts: () => maintenance.ensureFacts(),
    insertLoaded: (...args: Parameters<MandatesMaintenance['insertLoaded']>) => maintenance.insertLoaded(...args),
  };
}

export type DirectAccess = ReturnType<typeof directAccess>;
