/**
 * npm run data:national (docs/national-data.md) as a user runs it, at a small size: into a
 * database that already holds the demo data (as after `npm start`), through the importers,
 * with the organisation changes followed into review flags and items; a second run adds
 * nothing; the gateway then answers the headline for the set's largest board; bad arguments
 * do nothing and say why.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, databaseName } from '@osr/common';
import { seedDemo } from '../../scripts/seed-lib.js';
import { buildDemoData } from '../../scripts/demo-data.js';
import { runCommand, type CommandResult } from '../support/commands.js';
import { bearer, databaseUri, freshPrefix, graphql, startSystem } from '../support/system.js';

const ARGS = ['--boards', '30', '--schools', '240', '--mandates', '2000', '--moves', '10', '--json'];

interface Report {
  largestBoard: { nummer: string; schools: number };
  counts: { boards: number; schools: number; aanleverpunten: number; mandates: number; agreements: number; reviewItems: number; flaggedMandates: number };
  steps: { step: string; detail: string }[];
}

const reportOf = (run: CommandResult) => (run.json as { report: Report }).report;

describe('npm run data:national', () => {
  const prefix = freshPrefix();
  let first: CommandResult;

  beforeAll(async () => {
    await seedDemo(databaseUri(), prefix, buildDemoData());
    first = await runCommand('data-national', ARGS, prefix);
  }, 120_000);

  it('loads the set beside the demo data through the importers, with the moves and closures turned into review flags and review items', async () => {
    expect(first.stderr).not.toMatch(/Error/);
    expect(first.code).toBe(0);
    const report = reportOf(first);
    expect(report.counts.boards).toBe(30);
    expect(report.counts.schools).toBe(240);
    // the total asked for is the set's (the demo mandates beside it are not counted)
    expect(report.counts.mandates).toBe(2000);
    expect(report.counts.reviewItems).toBeGreaterThan(0);
    expect(report.counts.flaggedMandates).toBeGreaterThan(0);
    expect(report.steps.map((s) => s.step)).toEqual(expect.arrayContaining(['RIO import', 'OSO migration', 'agreements import', 'mandates follow the feed', 'agreements follow the feed']));
    // the last step makes the derived data and stores the mandate check's rows, so the system's first start need not read every mandate's facts
    expect(report.steps.at(-1)).toMatchObject({ step: 'derived data', detail: expect.stringMatching(/check rows stored$/) });
    // progress goes to stderr, one line per 10% when not on a terminal
    expect(first.stderr).toMatch(/OSO migration: \d+\/\d+ \(100%\)/);
    // the demo data is still there, whole
    const db = await connectDatabase(databaseUri(), databaseName(prefix, 'organisations'));
    try {
      expect(await db.db.collection('schools').countDocuments({ boardNummer: '41234' })).toBe(14);
    } finally {
      await db.close();
    }
  });

  it('when run again, adds nothing twice', async () => {
    const again = await runCommand('data-national', ARGS, prefix);
    expect(again.code).toBe(0);
    expect(reportOf(again).counts).toEqual(reportOf(first).counts);
  }, 120_000);

  it('the gateway answers the headline for the largest board of the set with all its schools', async () => {
    const system = await startSystem(prefix);
    try {
      const { nummer, schools } = reportOf(first).largestBoard;
      const res = await graphql<{ board: { schools: { brin: string; mandates: unknown[] }[] } }>(
        system.gatewayUrl,
        'query($n: ID!) { board(bevoegdGezagNummer: $n) { schools { brin mandates(services: [OSO_OV, OSO_SWV]) { status } } } }',
        { n: nummer },
        await bearer({ role: 'BOARD', board: nummer, rights: ['OSR_TOEGANG'] }),
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.board.schools).toHaveLength(schools);
      expect(res.data!.board.schools.some((s) => s.mandates.length > 0)).toBe(true);
    } finally {
      await system.stop();
    }
  }, 120_000);

  it('when the arguments are wrong, does nothing and says why (exit 1)', async () => {
    const fewer = await runCommand('data-national', ['--boards', '20', '--schools', '10'], freshPrefix());
    expect(fewer.code).toBe(1);
    expect(fewer.stderr).toMatch(/--schools 10 is fewer than --boards 20/);
    const word = await runCommand('data-national', ['--mandates', 'many'], freshPrefix());
    expect(word.code).toBe(1);
    expect(word.stderr).toMatch(/--mandates "many" is invalid: a whole number from 0 to 500000/);
  }, 60_000);
});

