import { bevoegdGezagNummerProblem } from '@osr/common';
import type { AgreementDocument } from './documents.js';
import { liveKeyOf } from './lifecycle.js';
import { normalise, type AgreementsRepository } from './repository.js';

export interface AgreementsSeed {
  agreements: AgreementDocument[];
}

/** Writes a known data set (demo or test), replacing agreements with the same id. */
export async function seedAgreements(repo: AgreementsRepository, seed: AgreementsSeed): Promise<void> {
  const problems = seed.agreements
    .map((a) => [a.id, bevoegdGezagNummerProblem(a.boardNummer)] as const)
    .filter(([, p]) => p !== null)
    .map(([id, p]) => `agreement ${id}: ${p}`);
  if (problems.length) throw new Error(`Seed data rejected:\n  ${problems.join('\n  ')}`);
  if (!seed.agreements.length) return;
  await repo.agreements.bulkWrite(
    seed.agreements.map((a) => ({
      replaceOne: { filter: { id: a.id }, replacement: { ...a, liveKey: liveKeyOf(normalise(a)) }, upsert: true },
    })),
  );
}
