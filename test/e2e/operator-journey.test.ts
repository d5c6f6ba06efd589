/**
 * A real install, as a new operator does it: an empty data folder and an empty store, the
 * system started the documented empty way (`npm start -- --no-demo`), then only the commands
 * and the GraphQL API, as a person runs them. Nothing is inserted by code: DUO's two files of
 * a sector (without VESTIGINGSNAAM, with a duplicate row and a location with its own name),
 * the supplier lines the migration's dry run prints (run as printed), a Mijn OSO export whose
 * system column is SYSTEEM, the headline for a migrated board, a later snapshot with a move, a
 * closure and a merger, the change feed followed, and the new board's review.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot } from '../../scripts/ferretdb.js';
import { runCommand } from '../support/commands.js';
import { databaseUri, freshPrefix, graphql } from '../support/system.js';

const NOORD = '00000003301234560000';
const ZUID = '00000003409876540000';

const BOARDS_1 = [
  'BEVOEGD GEZAG NUMMER;BEVOEGD GEZAG NAAM;KVK-NUMMER',
  '70100;Stichting Noorderlicht;01234567',
  '70200;Vereniging De Wadden;05123456',
  '70300;Stichting Zuiderzee;30111222',
];
const LOCATIONS_1 = [
  'BEVOEGD GEZAG NUMMER;INSTELLINGSCODE;VESTIGINGSNUMMER;INSTELLINGSNAAM;PLAATSNAAM;ONDERWIJSSTRUCTUUR',
  '70100;51AA;51AA00;OBS Het Noorderlicht;GRONINGEN;BAS',
  '70100;51AA;51AA01;OBS Het Noorderlicht, locatie Paddepoel;GRONINGEN;BAS',
  '70100;51AA;51AA00;OBS Het Noorderlicht;GRONINGEN;BAS',
  '70200;52BB;52BB00;CBS De Wadden;LEEUWARDEN;BAS',
  '70300;53CC;53CC00;RKBS De Zuiderzee;LELYSTAD;BAS',
  '70300;54DD;54DD00;RKBS Sint Maarten;LELYSTAD;SBO',
];
/** A month later: 70200 merged into 70100 (its school moved, it left the boards file), 53CC moved to 70100, 54DD closed. */
const BOARDS_2 = [BOARDS_1[0]!, BOARDS_1[1]!, BOARDS_1[3]!];
const LOCATIONS_2 = [
  LOCATIONS_1[0]!,
  LOCATIONS_1[1]!,
  LOCATIONS_1[2]!,
  '70100;52BB;52BB00;CBS De Wadden;LEEUWARDEN;BAS',
  '70100;53CC;53CC00;RKBS De Zuiderzee;LELYSTAD;BAS',
];
const EXPORT = [
  'BRIN;AANLEVERPUNT;SOORT;LEVERANCIER_OIN;LEVERANCIER;SYSTEEM;STATUS;AANSLUITDATUM',
  `51AA;1;OV;${NOORD};Noord Software B.V.;Noord LAS;actief;01-04-2019`,
  `51AA;2;SWV;${NOORD};Noord Software B.V.;Noord LAS;actief;2019-04-01`,
  `52BB;1;OV;${NOORD};Noord Software B.V.;Noord LAS;actief;`,
  `53CC;1;OV;${ZUID};Zuid Systemen B.V.;Zuid LAS;actief;2023-01-09`,
  `54DD;1;OV;${ZUID};Zuid Systemen B.V.;Zuid LAS;inactief;`,
];

const HEADLINE = readFileSync(join(repoRoot, 'test', 'queries', 'board-overview.graphql'), 'utf8');

interface Headline {
  board: {
    name: string;
    schools: {
      brin: string;
      name: string;
      aanleverpunten: { index: number; kind: string; active: boolean }[] | null;
      mandates: { service: { code: string }; status: string; startDate: string; system: { name: string; supplier: { oin: string; name: string } } }[] | null;
    }[];
  };
}

describe('a real install from an empty store, through the commands and the API only', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'osr-journey-'));
  const files = mkdtempSync(join(tmpdir(), 'osr-journey-files-'));
  const prefix = freshPrefix();
  /** What the operator's shell holds: the store and the data folder (the commands find no running organisations API). */
  const store = { MONGODB_URI: databaseUri(), DB_PREFIX: prefix, OSR_DATA_DIR: dataDir };
  const env = { ...store, ORGANISATIONS_URL: '', OSR_IDENTITY_SECRET: '' };
  let system: ChildProcess;
  let output = '';
  let gateway = '';

  const file = (name: string, lines: string[], encoding: BufferEncoding = 'utf8') => {
    const path = join(files, name);
    writeFileSync(path, `${lines.join('\r\n')}\r\n`, encoding);
    return path;
  };
  /** A line printed for people, run through the shell as they paste it. */
  const shell = async (command: string) => {
    try {
      const { stdout, stderr } = await promisify(execFile)('sh', ['-c', command], { cwd: repoRoot, env: { ...process.env, ...env } });
      return { code: 0, output: stdout + stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, output: e.stdout + e.stderr };
    }
  };
  const token = async (args: string) => (await shell(`npx osr token ${args}`)).output.trim();
  const ask = async <T,>(query: string, variables: Record<string, unknown>, bearerToken?: string) =>
    graphql<T>(gateway, query, variables, bearerToken ? { authorization: `Bearer ${bearerToken}` } : {});

  beforeAll(async () => {
    const ports = { GATEWAY_PORT: 0, ORGANISATIONS_PORT: 0, MANDATES_PORT: 0, AGREEMENTS_PORT: 0, SUPPORT_PORT: 0 };
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    // What `npm start -- --no-demo` runs.
    system = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'osr.ts'), 'start', '--no-demo'], {
      cwd: repoRoot,
      // The feed is followed when support asks (below), not on the minute's schedule.
      env: { ...process.env, ...store, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), LOG_LEVEL: 'warn', MANDATES_FEED_POLL_SECONDS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    system.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    system.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      const check = () => {
        if (output.includes('gateway ready')) resolve();
      };
      system.stdout!.on('data', check);
      system.once('exit', () => reject(new Error(`npm start -- --no-demo exited:\n${output}`)));
    });
    await ready;
    gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`;
  }, 120_000);

  afterAll(async () => {
    if (system && system.exitCode === null) {
      const exited = new Promise((resolve) => system.once('exit', resolve));
      system.kill('SIGINT');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  it('starts empty: no demo data, but the service catalogue is in place', async () => {
    expect(output).toContain('starting without the demo data (--no-demo)');
    expect(output).not.toContain('loading the demo data');
    const res = await ask<{ services: { code: string; name: string }[]; boards: { edges: unknown[] } }>('{ services { code name } boards { edges { cursor } } }', {});
    expect(res.errors).toBeUndefined();
    expect(res.data!.boards.edges).toEqual([]);
    expect(res.data!.services.map((s) => s.code)).toEqual(
      expect.arrayContaining(['OSO_OV', 'OSO_SWV', 'DOORSTROOMTOETS_PO', 'CENTRAAL_EXAMEN_VO', 'ROD_PO', 'ROD_VO', 'VERZUIM', 'RIO', 'VVA']),
    );
  });

  it("imports DUO's pair without VESTIGINGSNAAM: every location kept under its own name, the duplicate row taken once, exit 0", async () => {
    const boards = file('po-besturen-1.csv', BOARDS_1, 'latin1');
    const locations = file('po-vestigingen-1.csv', LOCATIONS_1, 'latin1');
    const run = await runCommand('rio-import', ['--boards', boards, locations, '--sector', 'PO', '--reference-date', '2026-09-01'], prefix, env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('data of 2026-09-01');
    expect(run.stdout).toContain('duplicate rows, taken once (1):');
    expect(run.stdout).toContain('school 51AA: the file has no VESTIGINGSNAAM');
    const school = await ask<{ school: { name: string; vestigingen: { vestigingsnummer: string; name: string }[] } }>(
      'query($brin: ID!) { school(brin: $brin) { name vestigingen { vestigingsnummer name } } }',
      { brin: '51AA' },
    );
    expect(school.data!.school).toEqual({
      name: 'OBS Het Noorderlicht',
      vestigingen: [
        { vestigingsnummer: '51AA00', name: 'OBS Het Noorderlicht' },
        { vestigingsnummer: '51AA01', name: 'OBS Het Noorderlicht, locatie Paddepoel' },
      ],
    });
  }, 90_000);

  it('migrates the Mijn OSO export: the supplier lines the dry run prints run as printed, the SYSTEEM column is understood, exit 0', async () => {
    const exported = file('mijn-oso-export.csv', EXPORT);
    const dry = await runCommand('oso-migrate', [exported, '--dry-run'], prefix, env);
    // Every row names a supplier the catalogue lacks: a dry run that would do nothing yet.
    expect(dry.code, dry.stdout + dry.stderr).toBe(1);
    expect(dry.stdout).toContain('dry run, nothing written');
    expect(dry.stdout).toContain('(exit 1: nothing would be done)');
    const printed = dry.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('npx osr suppliers import'));
    expect(printed).toHaveLength(2);
    for (const line of printed) {
      const ran = await shell(line);
      expect(ran.code, ran.output).toBe(0);
    }

    const migrated = await runCommand('oso-migrate', [exported, '--json'], prefix, env);
    expect(migrated.code, migrated.stdout + migrated.stderr).toBe(0);
    const report = migrated.json!['report'] as Record<string, unknown>;
    expect(report['mandates']).toEqual({ created: 4, alreadyMigrated: 0 });
    expect(report['rejected']).toEqual([]);
    expect(report['schoolsToIssueMandate']).toEqual([{ brin: '54DD', kind: 'OV', board: '70300' }]);

    const again = await runCommand('oso-migrate', [exported], prefix, env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to do: everything in this export was migrated before');
    expect(again.stdout).toContain('boards assumed: 0');
  }, 120_000);

  it("answers the headline for a migrated board through the gateway, as its staff", async () => {
    const staff = await token('--role BOARD --board 70100 --rights OSR_TOEGANG');
    const res = await ask<Headline>(HEADLINE, { nummer: '70100' }, staff);
    expect(res.errors).toBeUndefined();
    const school = res.data!.board.schools.find((s) => s.brin === '51AA')!;
    expect(school.aanleverpunten!.map((a) => `${a.index} ${a.kind} ${a.active}`)).toEqual(['1 OV true', '2 SWV true']);
    expect(school.mandates!.map((m) => `${m.service.code} ${m.status} ${m.startDate} ${m.system.name} ${m.system.supplier.name}`)).toEqual([
      'OSO_OV ACTIVE 2022-08-15 Noord LAS Noord Software B.V.',
      'OSO_SWV ACTIVE 2022-08-15 Noord LAS Noord Software B.V.',
    ]);
  });

  it('takes a later snapshot with a move, a closure and a merger; the feed is followed and the board that holds the moved schools now reviews their mandates', async () => {
    const boards = file('po-besturen-2.csv', BOARDS_2, 'latin1');
    const locations = file('po-vestigingen-2.csv', LOCATIONS_2, 'latin1');
    // Dated as the first one: refused, nothing written.
    const sameDay = await runCommand('rio-import', ['--boards', boards, locations, '--sector', 'PO', '--reference-date', '2026-09-01'], prefix, env);
    expect(sameDay.code).toBe(1);
    expect(sameDay.stderr).toContain('not later than the last one imported (2026-09-01');
    const run = await runCommand('rio-import', ['--boards', boards, locations, '--sector', 'PO', '--reference-date', '2026-10-01', '--json'], prefix, env);
    expect(run.code, run.stdout + run.stderr).toBe(0);

    const support = await token('--role SUPPORT');
    type Feed = { organisationChanges: { edges: { node: { kind: string; brin: string | null; bevoegdGezagNummer: string | null; effectiveDate: string } }[] } };
    const feed = await ask<Feed>('{ organisationChanges(first: 100) { edges { node { kind brin bevoegdGezagNummer effectiveDate } } } }', {}, support);
    expect(feed.errors).toBeUndefined();
    const later = feed.data!.organisationChanges.edges.map((e) => e.node).filter((n) => n.effectiveDate >= '2026-09-30');
    expect(later.map((n) => `${n.kind} ${n.brin ?? n.bevoegdGezagNummer} ${n.effectiveDate}`)).toEqual(
      expect.arrayContaining(['SCHOOL_MOVED 52BB 2026-10-01', 'SCHOOL_MOVED 53CC 2026-10-01', 'SCHOOL_CLOSED 54DD 2026-09-30', 'BOARD_CLOSED 70200 2026-09-30']),
    );
    const closed = await ask<{ board: { endDate: string | null }; school: { endDate: string; vestigingen: { endDate: string | null }[] } }>(
      '{ board(bevoegdGezagNummer: "70200") { endDate } school(brin: "54DD") { endDate vestigingen { endDate } } }',
      {},
    );
    expect(closed.data).toEqual({ board: { endDate: '2026-09-30' }, school: { endDate: '2026-09-30', vestigingen: [{ endDate: '2026-09-30' }] } });
    expect((await ask<{ board: { endDate: string | null } }>('{ board(bevoegdGezagNummer: "70300") { endDate } }', {})).data!.board.endDate).toBeNull();

    const followed = await ask<{ followOrganisationChanges: { mandatesFlagged: number } }>('mutation { followOrganisationChanges { mandatesFlagged } }', {}, support);
    expect(followed.errors).toBeUndefined();
    expect(followed.data!.followOrganisationChanges.mandatesFlagged).toBe(2);

    const staff = await token('--role BOARD --board 70100 --rights OSR_TOEGANG');
    type Review = { board: { schools: { brin: string; mandates: { id: string; needsReview: boolean; reviewReasons: { kind: string }[] }[] | null }[] } };
    const REVIEW = 'query($nummer: ID!) { board(bevoegdGezagNummer: $nummer) { schools { brin mandates { id needsReview reviewReasons { kind } } } } }';
    const before = await ask<Review>(REVIEW, { nummer: '70100' }, staff);
    expect(before.errors).toBeUndefined();
    const flagged = before.data!.board.schools.flatMap((s) => (s.mandates ?? []).filter((m) => m.needsReview).map((m) => ({ brin: s.brin, ...m })));
    expect(flagged.map((m) => `${m.brin} ${m.reviewReasons.map((r) => r.kind).join()}`).sort()).toEqual(['52BB SCHOOL_MOVED', '53CC SCHOOL_MOVED']);
    const reviewed = await ask<{ markMandatesReviewed: unknown }>('mutation($ids: [ID!]!) { markMandatesReviewed(ids: $ids) { __typename } }', { ids: flagged.map((m) => m.id) }, staff);
    expect(reviewed.errors).toBeUndefined();
    const after = await ask<Review>(REVIEW, { nummer: '70100' }, staff);
    expect(after.data!.board.schools.flatMap((s) => s.mandates ?? []).filter((m) => m.needsReview)).toEqual([]);
  }, 120_000);
});
