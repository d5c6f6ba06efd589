/**
 * The school move of issue 17.1, as RIO reports it: school 13YZ moves from board 41234 to
 * board 43555 by a RIO delta, and the mandates subgraph reads the change feed (which flags
 * the school's running mandate for review). Used by the moved-school test and the
 * authorisation matrix.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { DEMO_RIO_FILE } from '../../scripts/seed-lib.js';
import { bearer, graphql, type RunningSystem } from './system.js';

/** The day 13YZ moves to board 43555 (in the past, so the move holds "now"). */
export const MOVE_DATE = '2026-11-10';
export const MOVED_MANDATE = 'm-13YZ-OSO_OV-ldd-las-2022-08-15';

/** The demo RIO data as a delta of 10 November 2026: 13YZ belongs to board 43555 from that day. */
export function rioDeltaMoving13YZ(): Uint8Array {
  const bundle = JSON.parse(readFileSync(DEMO_RIO_FILE, 'utf8')) as {
    peilmoment: string;
    peildatum: string;
    onderwijsinstellingserkenningen: { bRIN4: string; bevoegdGezagNummer: string; begindatum: string }[];
  };
  bundle.peilmoment = `${MOVE_DATE}T06:00:00.000Z`;
  bundle.peildatum = MOVE_DATE;
  const erkenning = bundle.onderwijsinstellingserkenningen.find((e) => e.bRIN4 === '13YZ')!;
  erkenning.bevoegdGezagNummer = '43555';
  erkenning.begindatum = MOVE_DATE;
  return new TextEncoder().encode(JSON.stringify(bundle));
}

/** Moves 13YZ as RIO reports it, then lets the mandates subgraph read the change feed. */
export async function moveSchool13YZ(system: RunningSystem): Promise<void> {
  const repo = new OrganisationsRepository(system.subgraphs.organisations.database.db);
  const report = await importRio(repo, { name: 'rio-delta-2026-11-10.json', bytes: rioDeltaMoving13YZ() }, { mode: 'delta' });
  expect(report.schools.moved).toBe(1);
  const follow = await graphql<{ followOrganisationChanges: { mandatesFlagged: number } }>(
    system.gatewayUrl,
    'mutation { followOrganisationChanges { mandatesFlagged } }',
    undefined,
    await bearer({ role: 'SUPPORT' }),
  );
  expect(follow.errors).toBeUndefined();
  expect(follow.data!.followOrganisationChanges.mandatesFlagged).toBe(1);
}
