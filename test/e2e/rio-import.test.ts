import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { seedDemo, DEMO_RIO_FILE } from '../../scripts/seed-lib.js';
import { databaseUri, freshPrefix, graphql, startSystem, type RunningSystem } from '../support/system.js';

/** The demo RIO file with school 25BE moved from board 41234 to 42001 on 2026-12-01. */
function demoWithMove(): Uint8Array {
  const bundle = JSON.parse(readFileSync(DEMO_RIO_FILE, 'utf8')) as {
    peilmoment: string;
    peildatum: string;
    onderwijsinstellingserkenningen: { bRIN4: string; bevoegdGezagNummer: string; begindatum: string }[];
  };
  bundle.peilmoment = '2026-12-01T06:00:00.000Z';
  bundle.peildatum = '2026-12-01';
  const erkenning = bundle.onderwijsinstellingserkenningen.find((e) => e.bRIN4 === '25BE')!;
  erkenning.bevoegdGezagNummer = '42001';
  erkenning.begindatum = '2026-12-01';
  return new TextEncoder().encode(JSON.stringify(bundle));
}

describe('a RIO import seen through the gateway', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    const prefix = freshPrefix();
    await seedDemo(databaseUri(), prefix);
    system = await startSystem(prefix);
    const repo = new OrganisationsRepository(system.subgraphs.organisations.database.db);
    const report = await importRio(repo, { name: 'demo-moved.json', bytes: demoWithMove() }, { mode: 'full' });
    expect(report.schools.moved).toBe(1);
  });
  afterAll(() => system?.stop());

  it('the moved school is listed under its new board, answers boardOn for both sides of the move, and the feed says so', async () => {
    const res = await graphql<{
      board: { schools: { brin: string }[] };
      school: { before: { bevoegdGezagNummer: string }; after: { bevoegdGezagNummer: string } };
      organisationChanges: { edges: { node: { kind: string; fromBoard: string; toBoard: string; description: string } }[] };
    }>(
      system.gatewayUrl,
      `{
        board(bevoegdGezagNummer: "42001") { schools { brin } }
        school(brin: "25BE") { before: boardOn(date: "2026-11-30") { bevoegdGezagNummer } after: boardOn(date: "2026-12-01") { bevoegdGezagNummer } }
        organisationChanges(first: 500) { edges { node { kind fromBoard toBoard description } } }
      }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.board.schools.map((s) => s.brin)).toEqual(['14AB', '15CD', '16EF', '25BE']);
    expect(res.data!.school).toEqual({ before: { bevoegdGezagNummer: '41234' }, after: { bevoegdGezagNummer: '42001' } });
    const moves = res.data!.organisationChanges.edges.map((e) => e.node).filter((n) => n.kind === 'SCHOOL_MOVED');
    expect(moves).toEqual([{ kind: 'SCHOOL_MOVED', fromBoard: '41234', toBoard: '42001', description: 'School 25BE moved from board 41234 to 42001' }]);
  });
});
