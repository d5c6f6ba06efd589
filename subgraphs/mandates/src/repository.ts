import type { Collection, Db } from 'mongodb';
import { groupLoader, uniqueLoader } from '@osr/common';
import type {
  AanleverpuntDocument,
  MandateDocument,
  ServiceCode,
  ServiceDocument,
  SupplierDocument,
  SystemDocument,
} from './documents.js';

const NO_ID = { projection: { _id: 0 } } as const;

/** The only code that touches the mandates collections. */
export class MandatesRepository {
  readonly services: Collection<ServiceDocument>;
  readonly suppliers: Collection<SupplierDocument>;
  readonly systems: Collection<SystemDocument>;
  readonly mandates: Collection<MandateDocument>;
  readonly aanleverpunten: Collection<AanleverpuntDocument>;

  constructor(readonly db: Db) {
    this.services = db.collection('services');
    this.suppliers = db.collection('suppliers');
    this.systems = db.collection('systems');
    this.mandates = db.collection('mandates');
    this.aanleverpunten = db.collection('aanleverpunten');
  }

  async ensureIndexes(): Promise<void> {
    await this.services.createIndex({ code: 1 }, { name: 'code', unique: true });
    await this.suppliers.createIndex({ oin: 1 }, { name: 'oin', unique: true });
    await this.systems.createIndex({ id: 1 }, { name: 'id', unique: true });
    await this.systems.createIndex({ supplierOin: 1 }, { name: 'supplier' });
    await this.mandates.createIndex({ id: 1 }, { name: 'id', unique: true });
    await this.mandates.createIndex(
      { brin: 1, serviceCode: 1, systemId: 1, startDate: 1 },
      { name: 'school_service_system_start' },
    );
    await this.mandates.createIndex({ boardNummer: 1 }, { name: 'board' });
    await this.aanleverpunten.createIndex({ brin: 1, index: 1 }, { name: 'brin_index', unique: true });
  }

  findServices(codes?: readonly string[]): Promise<ServiceDocument[]> {
    const filter = codes ? { code: { $in: [...codes] as ServiceCode[] } } : {};
    return this.services.find(filter, NO_ID).sort({ code: 1 }).toArray();
  }

  findSuppliers(oins: readonly string[]): Promise<SupplierDocument[]> {
    return this.suppliers.find({ oin: { $in: [...oins] } }, NO_ID).toArray();
  }

  findSystems(ids: readonly string[]): Promise<SystemDocument[]> {
    return this.systems.find({ id: { $in: [...ids] } }, NO_ID).toArray();
  }

  findSystemsOfSuppliers(oins: readonly string[]): Promise<SystemDocument[]> {
    return this.systems.find({ supplierOin: { $in: [...oins] } }, NO_ID).sort({ name: 1 }).toArray();
  }

  findMandates(ids: readonly string[]): Promise<MandateDocument[]> {
    return this.mandates.find({ id: { $in: [...ids] } }, NO_ID).toArray();
  }

  /** Mandates of these schools, optionally only for some services. */
  findMandatesOfSchools(
    brins: readonly string[],
    services: readonly ServiceCode[] | null,
  ): Promise<MandateDocument[]> {
    const filter = services
      ? { brin: { $in: [...brins] }, serviceCode: { $in: [...services] } }
      : { brin: { $in: [...brins] } };
    return this.mandates.find(filter, NO_ID).sort({ serviceCode: 1, startDate: 1, id: 1 }).toArray();
  }

  findAanleverpuntenOfSchools(brins: readonly string[]): Promise<AanleverpuntDocument[]> {
    return this.aanleverpunten
      .find({ brin: { $in: [...brins] } }, NO_ID)
      .sort({ brin: 1, index: 1 })
      .toArray();
  }

  /** Loaders for one request: never shared across requests. */
  createLoaders() {
    // One loader per distinct `services` filter, so each filter is still one batched query.
    const mandatesOfSchool = new Map<string, ReturnType<typeof groupLoader<MandateDocument>>>();
    return {
      service: uniqueLoader((codes) => this.findServices(codes), (d) => d.code),
      supplier: uniqueLoader((oins) => this.findSuppliers(oins), (d) => d.oin),
      system: uniqueLoader((ids) => this.findSystems(ids), (d) => d.id),
      systemsOfSupplier: groupLoader((oins) => this.findSystemsOfSuppliers(oins), (d) => d.supplierOin),
      mandate: uniqueLoader((ids) => this.findMandates(ids), (d) => d.id),
      aanleverpuntenOfSchool: groupLoader((brins) => this.findAanleverpuntenOfSchools(brins), (d) => d.brin),
      mandatesOfSchool: (services: readonly ServiceCode[] | null) => {
        const key = services ? [...new Set(services)].sort().join(',') : '*';
        let loader = mandatesOfSchool.get(key);
        if (!loader) {
          const filter = services ? [...new Set(services)] : null;
          loader = groupLoader((brins) => this.findMandatesOfSchools(brins, filter), (d) => d.brin ?? '');
          mandatesOfSchool.set(key, loader);
        }
        return loader;
      },
    };
  }
}

export type MandatesLoaders = ReturnType<MandatesRepository['createLoaders']>;
