/**
 * The OSO migration on a register where a school moved before the migration ran (DUO files of
 * September, then of October): its lists name the board that holds the school today, and the
 * mandate it migrates for the board of the start date is flagged for the review of the board
 * that holds the school now. The real organisations subgraph answers the migration's questions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, createPeerClient, databaseName, type Database } from '@osr/common';
import { SupplierCatalogue } from '@osr/subgraph-mandates/catalogue';
import { migrateOsoExport } from '@osr/subgraph-mandates/migration';
import { organisationsApi } from '@osr/subgraph-mandates/peers';
import { directAccess, type DirectAccess } from '@osr/subgraph-mandates/direct';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { freshPrefix, identitySecret, startSubgraph, databaseUri, type RunningSubgraph } from '../support/system.js';

const SUPPLIER = '00000003301234560000';
const HEADER = 'BEVOEGD GEZAG NUMMER;BEVOEGD GEZAG NAAM;INSTELLINGSCODE;VESTIGINGSNUMMER;INSTELLINGSNAAM;SECTOR;SOORT';
const csv = (lines: string[]) => new TextEncoder().encode(`${[HEADER, ...lines].join('\n')}\n`);
const EXPORT = [
  'BRIN;AANLEVERPUNT;SOORT;LEVERANCIER_OIN;LAS;STATUS;AANSLUITDATUM',
  `61AA;1;OV;${SUPPLIER};Noord LAS;actief;2019-04-01`,
  `61AA;2;SWV;${SUPPLIER};Noord LAS;inactief;`,
  `62BB;1;OV;${SUPPLIER};Noord LAS;actief;2019-04-01`,
].join('\n');

describe('the migration on a register where a school moved before it ran', () => {
  const prefix = freshPrefix();
  let organisations: RunningSubgraph;
  let database: Database;
  let repository: DirectAccess;

  beforeAll(async () => {
    const orgDb = await connectDatabase(databaseUri(), databaseName(prefix, 'organisations'));
    try {
      const repo = new OrganisationsRepository(orgDb.db);
      await repo.ensureIndexes();
      const at = new Date('2026-12-01T08:00:00Z');
      await importRio(repo, { name: 'sep.csv', bytes: csv(['80100;Stichting Oost;61AA;61AA00;OBS Oost;PO;BAS', '80100;Stichting Oost;62BB;62BB00;OBS Blijft;PO;BAS', '80200;Stichting West;63CC;63CC00;OBS West;PO;BAS']) }, { mode: 'full', fileModifiedAt: at, referenceDate: '2026-09-01' });
      await importRio(repo, { name: 'oct.csv', bytes: csv(['80200;Stichting West;61AA;61AA00;OBS Oost;PO;BAS', '80100;Stichting Oost;62BB;62BB00;OBS Blijft;PO;BAS', '80200;Stichting West;63CC;63CC00;OBS West;PO;BAS']) }, { mode: 'full', fileModifiedAt: at, referenceDate: '2026-10-01' });
    } finally {
      await orgDb.close();
    }
    organisations = await startSubgraph('organisations', prefix);
    database = await connectDatabase(databaseUri(), databaseName(prefix, 'mandates'));
    repository = directAccess(database.db);
    await repository.ensureIndexes();
    const catalogue = new SupplierCatalogue(repository.repositories);
    const actor = { sub: 'test', name: 'test', role: 'SUPPORT' as const };
    await catalogue.registerSupplier({ oin: SUPPLIER, name: 'Noord Software B.V.' }, actor);
    await catalogue.addSystem({ supplier: SUPPLIER, name: 'Noord LAS', kind: 'LAS', services: ['OSO_OV', 'OSO_SWV'] }, actor);
  }, 60_000);
  afterAll(async () => {
    await organisations?.stop();
    await database?.close();
  });

  it('names the board that holds the school today and flags the mandate of the board that no longer does', async () => {
    const api = organisationsApi(createPeerClient({ name: 'organisations', url: organisations.url, caller: 'test', identitySecret }));
    const report = await migrateOsoExport(new TextEncoder().encode(EXPORT), { repository: repository.repositories, organisations: api });
    expect(report.rejected).toEqual([]);
    expect(report.mandates).toEqual({ created: 2, alreadyMigrated: 0 });
    // The register knows 61AA from 1 September under 80100: the mandate's giver on 15 August 2022 is assumed.
    expect(report.assumptions.map((a) => `${a.brin} ${a.board}`)).toEqual(['61AA 80100', '62BB 80100']);
    expect(report.schoolsToIssueMandate).toEqual([{ brin: '61AA', kind: 'SWV', board: '80200' }]);
    expect(report.flaggedForReview).toEqual([{ brin: '61AA', kind: 'OV', givenBy: '80100', heldBy: '80200' }]);

    const stored = await repository.mandates.find({}, { projection: { _id: 0, brin: 1, boardNummer: 1, reviewBoards: 1, reviewReasons: 1 } }).sort({ brin: 1 }).toArray();
    expect(stored.map((m) => [m.brin, m.boardNummer, m.reviewBoards, m.reviewReasons.map((r) => [r.kind, r.boards])])).toEqual([
      ['61AA', '80100', ['80200'], [['SCHOOL_MOVED', ['80100', '80200']]]],
      ['62BB', '80100', [], []],
    ]);

    // A second run creates nothing and assumes nothing.
    const again = await migrateOsoExport(new TextEncoder().encode(EXPORT), { repository: repository.repositories, organisations: api });
    expect(again.mandates).toEqual({ created: 0, alreadyMigrated: 2 });
    expect(again.assumptions).toEqual([]);
    expect(again.flaggedForReview).toEqual([]);
  });
});
