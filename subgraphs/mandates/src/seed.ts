import { brinProblem, oinProblem } from '@osr/common';
import type {
  AanleverpuntDocument,
  MandateDocument,
  ServiceDocument,
  SupplierDocument,
  SystemDocument,
} from './documents.js';
import { slotKeyOf } from './repositories/mandate-store.js';
import type { MandatesMaintenance } from './repositories/maintenance.js';

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
export async function seedMandates(maintenance: MandatesMaintenance, seed: MandatesSeed): Promise<void> {
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

  const mandates: MandateDocument[] = seed.mandates.map((m) => ({
    reviewReasons: [],
    reviewBoards: [],
    ...m,
    slotKey: slotKeyOf(m),
  }));
  // Each seeded slot's history starts with one entry that records the seeded mandates.
  const slots = new Map<string, MandateDocument[]>();
  for (const m of mandates) slots.set(m.slotKey, [...(slots.get(m.slotKey) ?? []), m]);
  const history = [...slots].map(([slotKey, docs]) => ({
    slotKey,
    slotSeq: 1,
    at: docs.reduce((min, d) => (d.createdAt < min ? d.createdAt : min), docs[0]!.createdAt),
    by: 'data load',
    bySub: 'seed',
    byRole: 'SERVICE',
    mandateIds: docs.map((d) => d.id),
    changes: docs.map((d) => ({ mandateId: d.id, action: 'CREATED' as const, before: null, after: d })),
  }));
  await maintenance.writeSet({ ...seed, mandates, history });
}
