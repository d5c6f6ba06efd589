import { brinProblem, oinProblem } from '@osr/common';
import type {
  AanleverpuntDocument,
  MandateDocument,
  ServiceDocument,
  SupplierDocument,
  SystemDocument,
} from './documents.js';
import { factsDocumentOf } from './facts.js';
import { slotKeyOf } from './mandate-store.js';
import { withSeriesKeys } from './series-keys.js';
import type { MandatesRepository } from './repository.js';

/** A mandate as a data set states it; the store's bookkeeping fields are filled in. */
export type SeedMandate = Omit<MandateDocument, 'slotKey' | 'reviewReasons' | 'reviewBoards'> &
  Partial<Pick<MandateDocument, 'reviewReasons' | 'reviewBoards'>>;

export interface MandatesSeed {
  services: ServiceDocument[];
  suppliers: SupplierDocument[];
  systems: SystemDocument[];
  mandates: SeedMandate[];
  aanleverpunten: AanleverpuntDocument[];
}

/**
 * Writes a known data set (demo or test), replacing documents with the same key. Running it
 * twice leaves the same store. Refuses a set with invalid identifiers or dangling references.
 */
export async function seedMandates(repo: MandatesRepository, seed: MandatesSeed): Promise<void> {
  const problems: string[] = [];
  const services = new Set(seed.services.map((s) => s.code));
  const suppliers = new Set(seed.suppliers.map((s) => s.oin));
  const systems = new Map(seed.systems.map((s) => [s.id, s]));
  const mandateIds = new Set(seed.mandates.map((m) => m.id));
  for (const s of seed.suppliers) {
    const p = oinProblem(s.oin);
    if (p) problems.push(`supplier ${s.oin}: ${p}`);
  }
  for (const s of seed.systems) {
    if (!suppliers.has(s.supplierOin)) problems.push(`system ${s.id}: unknown supplier ${s.supplierOin}`);
    for (const c of s.services) if (!services.has(c)) problems.push(`system ${s.id}: unknown service ${c}`);
  }
  for (const m of seed.mandates) {
    const system = systems.get(m.systemId);
    if (!system) problems.push(`mandate ${m.id}: unknown system ${m.systemId}`);
    else if (!system.services.includes(m.serviceCode)) {
      problems.push(`mandate ${m.id}: system ${m.systemId} does not support ${m.serviceCode}`);
    }
    if (m.brin !== null && brinProblem(m.brin)) problems.push(`mandate ${m.id}: ${brinProblem(m.brin)}`);
    if (m.endDate !== null && m.endDate < m.startDate) problems.push(`mandate ${m.id}: ends before it starts`);
  }
  for (const a of seed.aanleverpunten) {
    if (a.systemId !== null && !systems.has(a.systemId)) problems.push(`aanleverpunt ${a.brin}/${a.index}: unknown system`);
    if (a.mandateId !== null && !mandateIds.has(a.mandateId)) problems.push(`aanleverpunt ${a.brin}/${a.index}: unknown mandate`);
  }
  if (problems.length) throw new Error(`Seed data rejected:\n  ${problems.join('\n  ')}`);

  const replaceAll = async <T extends object>(
    collection: { bulkWrite: (ops: never[]) => Promise<unknown> },
    docs: T[],
    filterOf: (d: T) => object,
  ) => {
    if (!docs.length) return;
    const ops = docs.map((d) => ({ replaceOne: { filter: filterOf(d), replacement: d, upsert: true } }));
    await collection.bulkWrite(ops as never[]);
  };
  // Services are reference data: a data set adds what is missing, never overwrites what support changed.
  if (seed.services.length) {
    await repo.services.bulkWrite(seed.services.map((d) => ({ updateOne: { filter: { code: d.code }, update: { $setOnInsert: d }, upsert: true } })));
  }
  await replaceAll(repo.suppliers, seed.suppliers, (d) => ({ oin: d.oin }));
  await replaceAll(repo.systems, seed.systems, (d) => ({ id: d.id }));
  const mandates: MandateDocument[] = seed.mandates.map((m) => ({
    reviewReasons: [],
    reviewBoards: [],
    ...m,
    slotKey: slotKeyOf(m),
  }));
  await replaceAll(repo.facts, mandates.map(factsDocumentOf), (d) => ({ _id: d._id }));
  await replaceAll(repo.mandates, mandates.map(withSeriesKeys), (d) => ({ id: d.id }));
  // Each seeded slot's history starts with one entry that records the seeded mandates.
  const slots = new Map<string, MandateDocument[]>();
  for (const m of mandates) slots.set(m.slotKey, [...(slots.get(m.slotKey) ?? []), m]);
  await replaceAll(
    repo.history,
    [...slots].map(([slotKey, docs]) => ({
      slotKey,
      slotSeq: 1,
      at: docs.reduce((min, d) => (d.createdAt < min ? d.createdAt : min), docs[0]!.createdAt),
      by: 'data load',
      bySub: 'seed',
      byRole: 'SERVICE',
      mandateIds: docs.map((d) => d.id),
      changes: docs.map((d) => ({ mandateId: d.id, action: 'CREATED' as const, before: null, after: d })),
    })),
    (d) => ({ slotKey: d.slotKey, slotSeq: d.slotSeq }),
  );
  await replaceAll(repo.aanleverpunten, seed.aanleverpunten, (d) => ({ brin: d.brin, index: d.index }));
  await repo.journal.unknownChange();
}
