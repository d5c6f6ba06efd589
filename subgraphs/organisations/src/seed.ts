import { bevoegdGezagNummerProblem, brinProblem, swvCodeProblem, vestigingsnummerProblem } from '@osr/common';
import type { BoardDocument, SchoolDocument, SwvDocument } from './documents.js';
import type { OrganisationsRepository } from './repository.js';

export interface OrganisationsSeed {
  boards: BoardDocument[];
  schools: SchoolDocument[];
  samenwerkingsverbanden: SwvDocument[];
}

/**
 * Writes a known data set (demo or test), replacing documents with the same key. Running it
 * twice leaves the same store. Refuses a set with invalid identifiers or dangling references.
 */
export async function seedOrganisations(repo: OrganisationsRepository, seed: OrganisationsSeed): Promise<void> {
  const boards = new Set(seed.boards.map((b) => b.bevoegdGezagNummer));
  const swvs = new Set(seed.samenwerkingsverbanden.map((s) => s.code));
  const problems: string[] = [];
  for (const b of seed.boards) {
    const p = bevoegdGezagNummerProblem(b.bevoegdGezagNummer);
    if (p) problems.push(`board ${b.bevoegdGezagNummer}: ${p}`);
  }
  for (const s of seed.samenwerkingsverbanden) {
    const p = swvCodeProblem(s.code);
    if (p) problems.push(`samenwerkingsverband ${s.code}: ${p}`);
  }
  for (const s of seed.schools) {
    const p = brinProblem(s.brin);
    if (p) problems.push(`school ${s.brin}: ${p}`);
    if (!boards.has(s.boardNummer)) problems.push(`school ${s.brin}: unknown board ${s.boardNummer}`);
    for (const c of s.swvCodes) if (!swvs.has(c)) problems.push(`school ${s.brin}: unknown samenwerkingsverband ${c}`);
    for (const v of s.vestigingen) {
      const vp = vestigingsnummerProblem(v.vestigingsnummer);
      if (vp || !v.vestigingsnummer.startsWith(s.brin)) {
        problems.push(`school ${s.brin}: vestiging ${v.vestigingsnummer}: ${vp ?? 'does not start with the BRIN'}`);
      }
    }
  }
  if (problems.length) throw new Error(`Seed data rejected:\n  ${problems.join('\n  ')}`);

  if (seed.boards.length) {
    await repo.boards.bulkWrite(
      seed.boards.map((b) => ({
        replaceOne: { filter: { bevoegdGezagNummer: b.bevoegdGezagNummer }, replacement: b, upsert: true },
      })),
    );
  }
  if (seed.samenwerkingsverbanden.length) {
    await repo.swvs.bulkWrite(
      seed.samenwerkingsverbanden.map((s) => ({
        replaceOne: { filter: { code: s.code }, replacement: s, upsert: true },
      })),
    );
  }
  if (seed.schools.length) {
    await repo.schools.bulkWrite(
      seed.schools.map((s) => ({ replaceOne: { filter: { brin: s.brin }, replacement: s, upsert: true } })),
    );
  }
}
