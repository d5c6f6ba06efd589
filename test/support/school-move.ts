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

/** A day `days` after `date` (YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The mandate of 12WX (supplier B's system) that the move in the future concerns. */
export const LATER_MOVED_MANDATE = 'm-12WX-OSO_OV-ldd-las-2022-08-15';

/**
 * A move in the future, as RIO reports it: a delta of `today` in which 12WX belongs to board
 * 43555 from `moveDate` (after today). Until that date 41234 holds the school. (13YZ stays
 * with 43555, so this delta may follow rioDeltaMoving13YZ; alone, it moves 13YZ as well.)
 */
export function rioDeltaMoving12WXOn(today: string, moveDate: string): Uint8Array {
  const bundle = JSON.parse(readFileSync(DEMO_RIO_FILE, 'utf8')) as {
    peilmoment: string;
    peildatum: string;
    onderwijsinstellingserkenningen: { bRIN4: string; bevoegdGezagNummer: string; begindatum: string }[];
  };
  bundle.peilmoment = `${today}T06:00:00.000Z`;
  bundle.peildatum = today;
  const erkenning = bundle.onderwijsinstellingserkenningen.find((e) => e.bRIN4 === '12WX')!;
  erkenning.bevoegdGezagNummer = '43555';
  erkenning.begindatum = moveDate;
  // 13YZ as the earlier delta left it (43555 since MOVE_DATE), when that one was imported
  const moved = bundle.onderwijsinstellingserkenningen.find((e) => e.bRIN4 === '13YZ')!;
  moved.bevoegdGezagNummer = '43555';
  moved.begindatum = MOVE_DATE;
  return new TextEncoder().encode(JSON.stringify(bundle));
}

/** Registers the move of 12WX to 43555 on `moveDate` (imported today), then lets the mandates subgraph read the feed. */
export async function moveSchool12WXLater(system: RunningSystem, today: string, moveDate: string): Promise<void> {
  const repo = new OrganisationsRepository(system.subgraphs.organisations.database.db);
  const report = await importRio(repo, { name: `rio-delta-${today}.json`, bytes: rioDeltaMoving12WXOn(today, moveDate) }, { mode: 'delta' });
  expect(report.schools.moved).toBeGreaterThanOrEqual(1);
  const follow = await graphql<{ followOrganisationChanges: { mandatesFlagged: number } }>(
    system.gatewayUrl,
    'mutation { followOrganisationChanges { mandatesFlagged } }',
    undefined,
    await bearer({ role: 'SUPPORT' }),
  );
  expect(follow.errors).toBeUndefined();
}
