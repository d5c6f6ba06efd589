import { isoDateProblem } from '@osr/common';
import type { SupportContactDocument } from './documents.js';
import type { SupportRepository } from './repository.js';

export interface SupportSeed {
  contacts: SupportContactDocument[];
}

/** Writes a known data set (demo or test), replacing contacts with the same id. */
export async function seedSupport(repo: SupportRepository, seed: SupportSeed): Promise<void> {
  const ids = new Set(seed.contacts.map((c) => c.id));
  const problems: string[] = [];
  for (const c of seed.contacts) {
    for (const d of [c.validFrom, c.validUntil]) {
      if (d !== null && isoDateProblem(d)) problems.push(`contact ${c.id}: ${isoDateProblem(d)}`);
    }
    if (c.replacedById !== null && !ids.has(c.replacedById)) problems.push(`contact ${c.id}: unknown replacement`);
  }
  if (problems.length) throw new Error(`Seed data rejected:\n  ${problems.join('\n  ')}`);
  if (!seed.contacts.length) return;
  await repo.contacts.bulkWrite(
    seed.contacts.map((c) => ({ replaceOne: { filter: { id: c.id }, replacement: c, upsert: true } })),
  );
}
