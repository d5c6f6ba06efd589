/**
 * The import commands' bad-file corpus: truncated files, wrong encodings, wrong delimiters,
 * missing columns, binary garbage. Every file is refused or every row in it rejected with a
 * reason, and afterwards the databases are byte-for-byte what they were before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { connectDatabase, createPeerClient, databaseName, type Database } from '@osr/common';
import { AgreementsRepository } from '@osr/subgraph-agreements/repository';
import { importAgreements } from '@osr/subgraph-agreements/import';
import { migrateOsoExport } from '@osr/subgraph-mandates/migration';
import { organisationsApi } from '@osr/subgraph-mandates/peers';
import { directAccess } from '@osr/subgraph-mandates/direct';
import { OrganisationsRepository } from '@osr/subgraph-organisations/repository';
import { importRio } from '@osr/subgraph-organisations/rio';
import { buildDemoData } from '../../scripts/demo-data.js';
import { seedDemo } from '../../scripts/seed-lib.js';
import { snapshotDatabases } from '../support/snapshot.js';
import { databaseUri, freshPrefix, identitySecret, startSubgraph, type RunningSubgraph } from '../support/system.js';

const enc = (s: string) => new TextEncoder().encode(s);
const utf16 = (s: string) => Uint8Array.from(Buffer.from(`\ufeff${s}`, 'utf16le'));
const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256);

const OSO_HEADER = 'BRIN;AANLEVERPUNT;SOORT;LEVERANCIER_OIN;LAS;STATUS;AANSLUITDATUM';
const OSO_ROW = '00AV;1;OV;00000003272448340204;Voorbeeld LAS;actief;2019-04-01';
const AGR_HEADER = 'BEVOEGD GEZAG NUMMER;TYPE;SERVICES;SIGNED DATE;SIGNER NAME';
const AGR_ROW = '41234;OSO;OSO_OV;2019-03-01;J. de Vries';

/** Bad files for a ';'-separated import with this header and a good row. */
function badCsvFiles(header: string, row: string): { name: string; bytes: Uint8Array }[] {
  return [
    { name: 'empty file', bytes: enc('') },
    { name: 'header only, truncated mid-row', bytes: enc(`${header}\n${row.slice(0, 9)}`) },
    { name: 'truncated inside a quoted field', bytes: enc(`${header}\n"${row}`) },
    { name: 'wrong delimiter (tab)', bytes: enc(`${header.replaceAll(';', '\t')}\n${row.replaceAll(';', '\t')}\n`) },
    { name: 'missing columns', bytes: enc(`${header.split(';').slice(0, 3).join(';')}\n${row.split(';').slice(0, 3).join(';')}\n`) },
    { name: 'UTF-16 with BOM', bytes: utf16(`${header}\n${row}\n`) },
    { name: 'binary garbage', bytes: garbage },
    { name: 'gzip header', bytes: Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]) },
  ];
}

const RIO_FILES: { name: string; bytes: Uint8Array }[] = [
  { name: 'empty file', bytes: enc('') },
  { name: 'truncated JSON', bytes: enc('{"peilmoment": "2026-11-01T06:00:00Z", "onderwijsbesturen": [{"bestuurID": "101B584", "naam": "Sticht') },
  { name: 'JSON array instead of a bundle', bytes: enc('[1, 2, 3]') },
  { name: 'UTF-16 JSON', bytes: utf16('{"onderwijsbesturen": []}') },
  { name: 'binary garbage', bytes: garbage },
  { name: 'CSV with a wrong delimiter', bytes: enc('BEVOEGD GEZAG NUMMER,INSTELLINGSCODE,VESTIGINGSNUMMER,INSTELLINGSNAAM\n41234,00AV,00AV00,De Regenboog\n') },
  { name: 'CSV missing columns', bytes: enc('BEVOEGD GEZAG NUMMER;INSTELLINGSNAAM\n41234;De Regenboog\n') },
];

describe('the import commands\' bad-file corpus', () => {
  const prefix = freshPrefix();
  let before: Record<string, string>;
  let organisations: RunningSubgraph;
  const dbs: Database[] = [];
  const open = async (name: 'organisations' | 'mandates' | 'agreements') => {
    const d = await connectDatabase(databaseUri(), databaseName(prefix, name));
    dbs.push(d);
    return d;
  };

  beforeAll(async () => {
    await seedDemo(databaseUri(), prefix, buildDemoData());
    organisations = await startSubgraph('organisations', prefix);
    before = await snapshotDatabases(databaseUri(), prefix);
  });
  afterAll(async () => {
    await organisations?.stop();
    await Promise.all(dbs.map((d) => d.close()));
  });

  it.each(RIO_FILES.map((f) => [f.name, f] as const))('RIO import refuses: %s', async (_n, file) => {
    const repository = new OrganisationsRepository((await open('organisations')).db);
    let outcome: string;
    try {
      const report = await importRio(repository, { name: file.name.includes('CSV') ? 'bad.csv' : 'bad.json', bytes: file.bytes }, { mode: 'delta', syncedAt: new Date('2026-11-01T06:00:00Z') });
      outcome = report.rejected > 0 && report.created + report.updated === 0 ? 'all rejected' : `imported ${report.created + report.updated}`;
    } catch (err) {
      outcome = `refused: ${(err as Error).message}`;
    }
    expect(outcome).toMatch(/^(refused: [\s\S]{10,}|all rejected)$/);
  });

  it.each(badCsvFiles(OSO_HEADER, OSO_ROW).map((f) => [f.name, f] as const))('OSO migration refuses: %s', async (_n, file) => {
    const repository = directAccess((await open('mandates')).db);
    const api = organisationsApi(createPeerClient({ name: 'organisations', url: organisations.url, caller: 'test', identitySecret }));
    let outcome: string;
    try {
      const report = await migrateOsoExport(file.bytes, { repository: repository.repositories, organisations: api });
      outcome = report.mandates.created + report.aanleverpunten.created + report.aanleverpunten.updated === 0 && report.rejected.length > 0 ? 'all rejected' : 'wrote';
    } catch (err) {
      outcome = err instanceof GraphQLError ? `refused: ${err.message}` : `crashed: ${(err as Error).message}`;
    }
    expect(outcome).toMatch(/^(refused: The export cannot be read: .+|all rejected)$/);
  });

  it.each(badCsvFiles(AGR_HEADER, AGR_ROW).map((f) => [f.name, f] as const))('agreements import refuses: %s', async (_n, file) => {
    const repository = new AgreementsRepository((await open('agreements')).db);
    const report = await importAgreements(file.bytes, { repository, file: 'bad.csv' });
    expect(report.imported).toEqual([]);
    expect(report.rejected.length).toBeGreaterThan(0);
    expect(report.rejected[0]!.reason.length).toBeGreaterThan(5);
  });

  it('after the whole corpus the databases are byte-for-byte as before', async () => {
    expect(await snapshotDatabases(databaseUri(), prefix)).toEqual(before);
  });
});
