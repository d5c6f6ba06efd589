import { groupLoader, uniqueLoader } from '@osr/common';
import type { MandateDocument, ServiceCode } from './documents.js';
import type { Repositories } from './repositories/index.js';

/** Loaders for one request: never shared across requests. */
export function createLoaders({ catalogue, reads }: Pick<Repositories, 'catalogue' | 'reads'>) {
  // One loader per distinct `services` filter, so each filter is still one batched read.
  const perFilter = (read: (keys: readonly string[], services: ServiceCode[] | null) => Promise<MandateDocument[]>, keyOf: (d: MandateDocument) => string) => {
    const loaders = new Map<string, ReturnType<typeof groupLoader<MandateDocument>>>();
    return (services: readonly ServiceCode[] | null) => {
      const filter = services ? [...new Set(services)].sort() : null;
      const key = filter ? filter.join(',') : '*';
      let loader = loaders.get(key);
      if (!loader) loaders.set(key, (loader = groupLoader((keys) => read(keys, filter), keyOf)));
      return loader;
    };
  };
  return {
    service: uniqueLoader((codes) => catalogue.findServices(codes), (d) => d.code),
    supplier: uniqueLoader((oins) => catalogue.findSuppliers(oins), (d) => d.oin),
    system: uniqueLoader((ids) => catalogue.findSystems(ids), (d) => d.id),
    systemsOfSupplier: groupLoader((oins) => catalogue.findSystemsOfSuppliers(oins), (d) => d.supplierOin),
    mandate: uniqueLoader((ids) => reads.findMandates(ids), (d) => d.id),
    history: groupLoader((ids) => reads.historyOf(ids), (d) => d.mandateIds),
    aanleverpuntenOfSchool: groupLoader((brins) => reads.aanleverpuntenOfSchools(brins), (d) => d.brin),
    mandatesOfSchool: perFilter((brins, services) => reads.findMandatesOfSchools(brins, services), (d) => d.brin ?? ''),
    mandatesOfBoard: perFilter((boards, services) => reads.findMandatesOfBoards(boards, services), (d) => d.boardNummer),
  };
}

export type MandatesLoaders = ReturnType<typeof createLoaders>;
